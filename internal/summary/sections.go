package summary

// The names of the summary sections other packages read (the priority
// counts their rows): one spelling for the summary that writes them and
// the code that finds them.
const (
	// SectionAccountChanges is an account's group, role and account
	// changes, made by it or to it.
	SectionAccountChanges = "Group, role and account changes"
	// SectionHostChanges is the account and group changes on a host.
	SectionHostChanges = "Account and group changes"
)

// The roles a host summary gives a host (report.Summary.Roles), from its own
// logs only: a host's name is not evidence of what it is.
const (
	// RoleServer is a host whose agents report a server OS (Heartbeat's or
	// DeviceInfo's OS name containing "Server") or Defender's device type
	// Server.
	RoleServer = "server"
	// RoleDomainController is a host that logged an event only domain
	// controllers log: a global or universal group's membership changed
	// (4728, 4729, 4756, 4757: those groups live in the directory) or the
	// DSRM administrator password was set (4794).
	RoleDomainController = "domain controller"
)
