package report

import (
	"time"

	"github.com/triage-dev/triage/internal/triage"
)

// Precedents is what the workspace's past says of the incident, for its
// priority: which of its addresses were never seen in sign-ins before it
// (FirstSeen), which earlier incidents of the same rule and entities
// were closed as benign (ClosedBenign) and which of its accounts hold a
// privileged role or group (Privileged). Each check has its own status: a
// check that failed says so and is never read as "nothing found".
type Precedents struct {
	FirstSeen    FirstSeen    `json:"first_seen"`
	ClosedBenign ClosedBenign `json:"closed_benign"`
	// Privileged is the check of the incident's accounts against the
	// directory's record of their roles and groups (IdentityInfo).
	Privileged PrivilegedAccounts `json:"privileged_accounts"`
}

// PrivilegedAccounts is the check of the incident's accounts against
// IdentityInfo from Start to End: which of them hold a privileged role or
// group (priority.PrivilegedNames) in their latest row there.
type PrivilegedAccounts struct {
	// Status is ok when IdentityInfo was read, empty when the incident has
	// no account with a UPN, SID or object id, skipped when the workspace
	// has no IdentityInfo table (nothing failed: UEBA is off), partial when
	// the workspace marked the answer incomplete (the accounts found are
	// real; others may be missing) and error when the query failed; Reason
	// says why for the last three.
	Status Status    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Checked are the names of the account entities looked for.
	Checked []string `json:"checked"`
	// Accounts are those of Checked that hold a privileged role or group.
	Accounts []PrivilegedAccount `json:"accounts"`
}

// PrivilegedAccount is an account of the incident that holds privileged
// roles or groups.
type PrivilegedAccount struct {
	// Entity is the account entity's key, Name its name.
	Entity string `json:"entity"`
	Name   string `json:"name"`
	// Privileges are the privileged roles and groups it holds, as
	// IdentityInfo writes them, sorted.
	Privileges []string `json:"privileges"`
	// Seen is the time of the IdentityInfo row they were read from.
	Seen time.Time `json:"seen"`
}

// FirstSeen is the check of the incident's addresses against the sign-in
// logs (SigninLogs, and AADNonInteractiveUserSignInLogs where the
// workspace has it) from Start to End, the incident's first activity
// (excluded).
type FirstSeen struct {
	// Status is ok when the sign-ins were read, empty when the incident
	// has no address to check, partial when the workspace marked the
	// answer incomplete (an address it did not find may have sign-ins)
	// and error when the query failed; Reason says why for the last two.
	Status Status    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Checked are the addresses looked for: the incident's Ip entities
	// outside the organisation's networks (see pipeline.FirstSeen).
	Checked []string `json:"checked"`
	// New are the addresses of Checked with no sign-in from Start to End.
	New []string `json:"new"`
}

// ClosedBenign is the search for earlier incidents (created from Start to
// Before, this incident's creation) closed as BenignPositive or
// FalsePositive, with this incident's title or one of its alerts' names,
// whose alerts name one of its entities.
type ClosedBenign struct {
	// Status is ok when the incidents were searched, empty when the
	// incident has no entity to match, partial when the workspace marked
	// the answer incomplete (the incidents found are real; others may be
	// missing) and error when the query failed; Reason says why for the
	// last two.
	Status    Status           `json:"status"`
	Reason    string           `json:"reason,omitempty"`
	Start     time.Time        `json:"start"`
	Before    time.Time        `json:"before"`
	Incidents []BenignIncident `json:"incidents"`
}

// BenignIncident is an earlier incident closed as benign that shares the
// incident's rule and some of its entities.
type BenignIncident struct {
	Number         int                   `json:"number"`
	Name           string                `json:"name"`
	Title          string                `json:"title"`
	Classification triage.Classification `json:"classification"`
	Closed         time.Time             `json:"closed,omitzero"`
	// Shared are the names of this incident's entities its alerts name.
	Shared []string `json:"shared"`
}
