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
