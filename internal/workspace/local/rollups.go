package local

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// A rollup is a pre-aggregated copy of part of a log table: the local twin
// of a Sentinel summary rule. Its rows count the source rows that share
// their key columns (values computed from each source row by the column's
// expression) within one hour (Grain "h") and, again, within one UTC day
// (Grain "d"), with the first and last TimeGenerated and the largest source
// rowid of those rows (N, FirstSeen, LastSeen, MaxRowid). Bucket is the
// start of the hour or day, in workspace.TimeFormat.
//
// Each rollup also has a view, its name followed by "Rows", giving the key
// columns of every source row (with TimeGenerated and SourceRowid), computed
// by the same expressions, so that a query can read the hours a window only
// partly covers from the source rows and the rest from the rollup, and
// count every row once: see ROLLUP in the package documentation.
//
// A rollup is brought up to date when a statement reads it through ROLLUP
// (or by BuildIndexes): the source rows added since the last update are grouped
// and appended. The same key may then have several rows per bucket, which
// queries add up as they would add up source rows. Log tables are only ever
// appended to (Load), so the rollup never needs to forget a row. The rollup
// of a small table is left empty instead (see refreshRollup); a query reads
// an empty rollup's rows through its view.
//
// A list is a rollup that keeps rows rather than counting them: for values
// a source row holds several of (the accounts an audit record names), one
// row per source row and value, with SourceRowid and TimeGenerated, so that
// a query finds the few source rows naming a value without reading every
// row's JSON. A list has no grains, no counts and no view, and is built
// whatever its source's size (it costs what reading the rows once does).
type rollupDef struct {
	Name   string
	Source string
	// Where filters the source rows the rollup counts ("" counts all).
	Where string
	Cols  []rollupCol
	// Index lists the key expressions (over the rollup's columns) queries
	// look rows up by; each gets an index on (expression, Grain, Bucket).
	// A list's index is on the columns given.
	Index []string
	// List, when set, makes the rollup a list: a SELECT of the source
	// rows with rowids in (?1, ?2] giving rowid, TimeGenerated and the
	// columns Cols names, in that order (their Expr is unused).
	List string
}

// rollupCol is one key column of a rollup.
type rollupCol struct {
	Name string
	Type string // Log Analytics type, declared like a hot column's
	Expr string // over one source row
}

// rc builds a rollup column.
func rc(name, typ, expr string) rollupCol { return rollupCol{Name: name, Type: typ, Expr: expr} }

// The message of an SSH logon line, and the parts of it the summaries use.
const (
	sshMsg  = `coalesce(SyslogMessage, json_extract(Record, '$.SyslogMessage'))`
	sshUser = `substr(` + sshMsg + `, instr(` + sshMsg + `, ' for ') + 5, instr(` + sshMsg + `, ' from ') - instr(` + sshMsg + `, ' for ') - 5)`
)

// rollups are the local workspace's rollups, defined here only. The entity
// summaries (queries/summary*.yaml) read them through ROLLUP; their
// columns are what those queries group by.
var rollups = []rollupDef{
	{
		Name:   "SigninLogsRollup",
		Source: "SigninLogs",
		Cols: []rollupCol{
			rc("Account", "string", `lower(UserPrincipalName)`),
			rc("AccountId", "string", `lower(UserId)`),
			rc("IPAddress", "string", `IPAddress`),
			rc("ResultType", "string", `ResultType`),
			rc("ResultDescription", "string", `json_extract(Record, '$.ResultDescription')`),
			rc("AppDisplayName", "string", `AppDisplayName`),
			rc("Country", "string", `json_extract(Record, '$.LocationDetails.countryOrRegion')`),
			rc("City", "string", `json_extract(Record, '$.LocationDetails.city')`),
			rc("ASN", "string", `CAST(json_extract(Record, '$.AutonomousSystemNumber') AS TEXT)`),
			rc("Device", "string", `coalesce(nullif(json_extract(Record, '$.DeviceDetail.displayName'), ''),
				trim(coalesce(json_extract(Record, '$.DeviceDetail.operatingSystem'), '') || ' ' ||
				     coalesce(json_extract(Record, '$.DeviceDetail.browser'), '')))`),
			rc("RiskLevel", "string", `json_extract(Record, '$.RiskLevelDuringSignIn')`),
		},
		Index: []string{"IPAddress", "Account", "AccountId"},
	},
	{
		// The addresses each account signed in from, and no more: a rollup
		// with few columns has few rows.
		Name:   "SigninLogsIPRollup",
		Source: "SigninLogs",
		Cols: []rollupCol{
			rc("Account", "string", `lower(UserPrincipalName)`),
			rc("AccountId", "string", `lower(UserId)`),
			rc("IPAddress", "string", `IPAddress`),
		},
		Index: []string{"Account", "AccountId"},
	},
	{
		// The accounts each directory audit record names: who initiated it
		// (actor) and every target with a user principal name or an id.
		Name:   "AuditLogsAccounts",
		Source: "AuditLogs",
		Cols: []rollupCol{
			{Name: "Category", Type: "string"},
			{Name: "OperationName", Type: "string"},
			{Name: "Role", Type: "string"},
			{Name: "Account", Type: "string"},
			{Name: "AccountId", Type: "string"},
			{Name: "AccountName", Type: "string"},
		},
		List: `SELECT rowid, TimeGenerated, Category, OperationName, Role, Account, AccountId,
       CASE WHEN instr(Account, '@') > 0 THEN substr(Account, 1, instr(Account, '@') - 1)
            WHEN instr(Account, '\') > 0 THEN substr(Account, instr(Account, '\') + 1)
            WHEN Account LIKE 'cn=%' THEN substr(Account, 4, instr(Account || ',', ',') - 4)
            ELSE Account END
FROM (
  SELECT rowid, TimeGenerated, Category, OperationName, 'actor' AS Role,
         lower(json_extract(Record, '$.InitiatedBy.user.userPrincipalName')) AS Account,
         lower(json_extract(Record, '$.InitiatedBy.user.id')) AS AccountId
  FROM AuditLogs WHERE rowid > ?1 AND rowid <= ?2
  UNION ALL
  SELECT a.rowid, a.TimeGenerated, a.Category, a.OperationName, 'target', lower(json_extract(t.value, '$.userPrincipalName')), lower(json_extract(t.value, '$.id'))
  FROM AuditLogs AS a, json_each(a.Record, '$.TargetResources') AS t WHERE a.rowid > ?1 AND a.rowid <= ?2
)
WHERE Account IS NOT NULL OR AccountId IS NOT NULL`,
		// Each index holds every column a lookup reads: the lookup never
		// reads the list's rows.
		Index: []string{
			"Account, Category, TimeGenerated, AccountId, Role, OperationName, SourceRowid",
			"AccountId, Category, TimeGenerated, Account, Role, OperationName, SourceRowid",
			"AccountName, Category, TimeGenerated, Account, AccountId, Role, OperationName, SourceRowid",
		},
	},
	{
		Name:   "AzureActivityRollup",
		Source: "AzureActivity",
		Cols: []rollupCol{
			rc("Account", "string", `lower(Caller)`),
			rc("CallerIpAddress", "string", `CallerIpAddress`),
			rc("OperationNameValue", "string", `OperationNameValue`),
			rc("ActivityStatusValue", "string", `ActivityStatusValue`),
			rc("ResourceId", "string", `lower(_ResourceId)`),
		},
		Index: []string{"CallerIpAddress", "Account"},
	},
	{
		Name:   "AzureActivityIPRollup",
		Source: "AzureActivity",
		Cols: []rollupCol{
			rc("Account", "string", `lower(Caller)`),
			rc("CallerIpAddress", "string", `CallerIpAddress`),
		},
		Index: []string{"Account"},
	},
	{
		// Activity by resource, for the activity on a resource and on
		// everything under it.
		Name:   "AzureActivityResourceRollup",
		Source: "AzureActivity",
		Cols: []rollupCol{
			rc("ResourceId", "string", `lower(_ResourceId)`),
			rc("Caller", "string", `Caller`),
			rc("OperationNameValue", "string", `OperationNameValue`),
			rc("ActivityStatusValue", "string", `ActivityStatusValue`),
			rc("CallerIpAddress", "string", `CallerIpAddress`),
		},
		Index: []string{"ResourceId"},
	},
	{
		Name:   "OfficeActivityRollup",
		Source: "OfficeActivity",
		Cols: []rollupCol{
			rc("Account", "string", `lower(UserId)`),
			rc("ClientIP", "string", `ClientIP`),
			rc("OfficeWorkload", "string", `OfficeWorkload`),
			rc("Operation", "string", `Operation`),
		},
		Index: []string{"ClientIP", "Account"},
	},
	{
		// Activity by or on mailboxes: the user, and the mailbox's owner.
		Name:   "OfficeActivityMailboxRollup",
		Source: "OfficeActivity",
		Cols: []rollupCol{
			rc("Account", "string", `lower(UserId)`),
			rc("Owner", "string", `lower(json_extract(Record, '$.MailboxOwnerUPN'))`),
			rc("OfficeWorkload", "string", `OfficeWorkload`),
			rc("Operation", "string", `Operation`),
			rc("ClientIP", "string", `ClientIP`),
		},
		Index: []string{"Account", "Owner"},
	},
	{
		Name:   "OfficeActivityIPRollup",
		Source: "OfficeActivity",
		Cols: []rollupCol{
			rc("Account", "string", `lower(UserId)`),
			rc("ClientIP", "string", `ClientIP`),
		},
		Index: []string{"Account"},
	},
	{
		// Windows logons (4624 succeeded, 4625 failed).
		Name:   "SecurityEventLogonRollup",
		Source: "SecurityEvent",
		Where:  `EventID IN (4624, 4625)`,
		Cols: []rollupCol{
			rc("Computer", "string", `Computer`),
			rc("AgentId", "string", `lower(json_extract(Record, '$.SourceComputerId'))`),
			rc("EventID", "int", `EventID`),
			rc("LogonType", "int", `LogonType`),
			rc("IpAddress", "string", `IpAddress`),
			rc("TargetUserName", "string", `TargetUserName`),
			rc("TargetDomainName", "string", `json_extract(Record, '$.TargetDomainName')`),
			rc("TargetUserSid", "string", `lower(json_extract(Record, '$.TargetUserSid'))`),
		},
		Index: []string{"IpAddress", "lower(TargetUserName)", "TargetUserSid", "lower(Computer)", "AgentId"},
	},
	{
		// The Windows events the host summary counts as notable: audit log
		// cleared, failed logons, explicit credentials, services and tasks
		// created or changed, audit policy, account and group changes,
		// lockouts.
		Name:   "SecurityEventNotableRollup",
		Source: "SecurityEvent",
		Where: `EventID IN (1102, 4625, 4648, 4697, 7045, 4698, 4702, 4719, 4720, 4722, 4723, 4724, 4725, 4726,
			4738, 4728, 4732, 4756, 4740, 4767, 4794)`,
		Cols: []rollupCol{
			rc("Computer", "string", `Computer`),
			rc("AgentId", "string", `lower(json_extract(Record, '$.SourceComputerId'))`),
			rc("EventID", "int", `EventID`),
			rc("Activity", "string", `json_extract(Record, '$.Activity')`),
		},
		Index: []string{"lower(Computer)", "AgentId"},
	},
	{
		// SSH logons: sshd "Accepted …" and "Failed …" lines of the form
		// "… for [invalid user ]USER from IP port N …".
		Name:   "SyslogSshRollup",
		Source: "Syslog",
		Where: `ProcessName = 'sshd' AND (` + sshMsg + ` LIKE 'Accepted %' OR ` + sshMsg + ` LIKE 'Failed %')
			AND instr(` + sshMsg + `, ' for ') > 0 AND instr(` + sshMsg + `, ' from ') > instr(` + sshMsg + `, ' for ')
			AND instr(` + sshMsg + `, ' port ') > instr(` + sshMsg + `, ' from ')`,
		Cols: []rollupCol{
			rc("Computer", "string", `Computer`),
			rc("ResourceId", "string", `lower(json_extract(Record, '$._ResourceId'))`),
			rc("Accepted", "bool", sshMsg+` LIKE 'Accepted %'`),
			rc("Failed", "bool", sshMsg+` LIKE 'Failed %'`),
			rc("IP", "string", `substr(`+sshMsg+`, instr(`+sshMsg+`, ' from ') + 6, instr(`+sshMsg+`, ' port ') - instr(`+sshMsg+`, ' from ') - 6)`),
			rc("User", "string", `CASE WHEN `+sshUser+` LIKE 'invalid user %' THEN substr(`+sshUser+`, 14) ELSE `+sshUser+` END`),
		},
		Index: []string{"lower(IP)", "lower(User)", "lower(Computer)", "ResourceId"},
	},
	{
		Name:   "DeviceProcessEventsRollup",
		Source: "DeviceProcessEvents",
		Cols: []rollupCol{
			rc("DeviceName", "string", `DeviceName`),
			rc("DeviceId", "string", `DeviceId`),
			rc("FileName", "string", `FileName`),
			rc("CommandLine", "string", `json_extract(Record, '$.ProcessCommandLine')`),
			rc("AccountDomain", "string", `json_extract(Record, '$.AccountDomain')`),
			rc("AccountName", "string", `AccountName`),
		},
		Index: []string{"lower(DeviceName)", "lower(DeviceId)"},
	},
	{
		// Windows process creation (4688).
		Name:   "SecurityEventProcessRollup",
		Source: "SecurityEvent",
		Where:  `EventID = 4688`,
		Cols: []rollupCol{
			rc("Computer", "string", `Computer`),
			rc("AgentId", "string", `lower(json_extract(Record, '$.SourceComputerId'))`),
			rc("Process", "string", `json_extract(Record, '$.Process')`),
			rc("CommandLine", "string", `json_extract(Record, '$.CommandLine')`),
			rc("SubjectDomainName", "string", `json_extract(Record, '$.SubjectDomainName')`),
			rc("SubjectUserName", "string", `json_extract(Record, '$.SubjectUserName')`),
		},
		Index: []string{"lower(Computer)", "AgentId"},
	},
	{
		Name:   "DeviceNetworkEventsRollup",
		Source: "DeviceNetworkEvents",
		Cols: []rollupCol{
			rc("DeviceName", "string", `DeviceName`),
			rc("LocalIP", "string", `LocalIP`),
			rc("RemoteIP", "string", `RemoteIP`),
			rc("RemoteUrl", "string", `RemoteUrl`),
			rc("RemotePort", "int", `RemotePort`),
			rc("ActionType", "string", `ActionType`),
		},
		Index: []string{"LocalIP", "RemoteIP"},
	},
	{
		Name:   "CommonSecurityLogRollup",
		Source: "CommonSecurityLog",
		Cols: []rollupCol{
			rc("DeviceName", "string", `json_extract(Record, '$.DeviceName')`),
			rc("SourceIP", "string", `SourceIP`),
			rc("DestinationIP", "string", `DestinationIP`),
			rc("DestinationHostName", "string", `json_extract(Record, '$.DestinationHostName')`),
			rc("DestinationPort", "int", `DestinationPort`),
			rc("DeviceAction", "string", `DeviceAction`),
		},
		Index: []string{"SourceIP", "DestinationIP"},
	},
	{
		// Defender for Endpoint's snapshots of each device's adapters.
		Name:   "DeviceNetworkInfoRollup",
		Source: "DeviceNetworkInfo",
		Cols: []rollupCol{
			rc("DeviceName", "string", `DeviceName`),
			rc("DeviceId", "string", `DeviceId`),
			rc("IPAddresses", "dynamic", `IPAddresses`),
			rc("MacAddress", "string", `json_extract(Record, '$.MacAddress')`),
		},
		Index: []string{"lower(DeviceName)", "lower(DeviceId)"},
	},
	{
		// Defender for Endpoint's snapshots of each device.
		Name:   "DeviceInfoRollup",
		Source: "DeviceInfo",
		Cols: []rollupCol{
			rc("DeviceName", "string", `DeviceName`),
			rc("DeviceId", "string", `DeviceId`),
			rc("PublicIP", "string", `PublicIP`),
			rc("OSPlatform", "string", `OSPlatform`),
			rc("OSDistribution", "string", `json_extract(Record, '$.OSDistribution')`),
			rc("OSVersion", "string", `json_extract(Record, '$.OSVersion') || ' build ' || json_extract(Record, '$.OSBuild')`),
			rc("ClientVersion", "string", `json_extract(Record, '$.ClientVersion')`),
			rc("DeviceType", "string", `json_extract(Record, '$.DeviceType')`),
			rc("Details", "string", `'join type ' || coalesce(json_extract(Record, '$.JoinType'), '') ||
				'; sensor ' || coalesce(json_extract(Record, '$.SensorHealthState'), '') ||
				'; exposure ' || coalesce(json_extract(Record, '$.ExposureLevel'), '')`),
		},
		Index: []string{"lower(DeviceName)", "lower(DeviceId)"},
	},
	{
		Name:   "HeartbeatRollup",
		Source: "Heartbeat",
		Cols: []rollupCol{
			rc("Computer", "string", `Computer`),
			rc("ComputerIP", "string", `ComputerIP`),
			rc("ComputerPrivateIPs", "dynamic", `Record -> '$.ComputerPrivateIPs'`),
			rc("AgentId", "string", `lower(json_extract(Record, '$.SourceComputerId'))`),
			rc("SourceComputerId", "string", `json_extract(Record, '$.SourceComputerId')`),
			rc("ResourceId", "string", `json_extract(Record, '$.ResourceId')`),
			rc("ResourceKey", "string", `lower(json_extract(Record, '$.ResourceId'))`),
			rc("OSType", "string", `OSType`),
			rc("OSName", "string", `json_extract(Record, '$.OSName')`),
			rc("OSVersion", "string", `json_extract(Record, '$.OSMajorVersion') || '.' || json_extract(Record, '$.OSMinorVersion')`),
			rc("Category", "string", `json_extract(Record, '$.Category')`),
			rc("Version", "string", `json_extract(Record, '$.Version')`),
			rc("ComputerEnvironment", "string", `json_extract(Record, '$.ComputerEnvironment')`),
		},
		Index: []string{"ComputerIP", "ComputerPrivateIPs", "lower(Computer)", "AgentId", "ResourceKey"},
	},
}

// rollupInfo is a rollup with its statements.
type rollupInfo struct {
	def    *rollupDef
	source *tableInfo
	// fresh is false until the rollup has been checked against its source
	// since the workspace opened or a load last wrote to the source.
	fresh bool
	// rows says whether the rollup has rows, once known: an empty rollup
	// (left empty, or none of its source rows pass its filter) is read
	// from its view for the whole window.
	rows rollupRows
}

// rollupRows is what is known of whether a rollup has rows.
type rollupRows int8

const (
	rowsUnknown rollupRows = iota
	rowsNone
	rowsSome
)

// rollupStateTable records, per rollup, its definition (a changed
// definition rebuilds the rollup) and the last source rowid it counts.
const rollupStateTable = "TriageRollupState"

func newRollups(s *schema, defs []rollupDef) ([]*rollupInfo, error) {
	var out []*rollupInfo
	seen := map[string]bool{}
	for i := range defs {
		d := &defs[i]
		src, ok := s.byName[d.Source]
		if !ok {
			return nil, fmt.Errorf("schema: rollup %s: unknown source table %s", d.Name, d.Source)
		}
		if seen[d.Name] || s.byName[d.Name] != nil {
			return nil, fmt.Errorf("schema: rollup %s defined twice", d.Name)
		}
		seen[d.Name] = true
		for _, c := range d.Cols {
			if _, ok := declTypes[c.Type]; !ok {
				return nil, fmt.Errorf("schema: rollup %s column %s: unknown type %q", d.Name, c.Name, c.Type)
			}
		}
		out = append(out, &rollupInfo{def: d, source: src})
	}
	return out, nil
}

// definition is the rollup's table, view and index DDL; a change rebuilds
// the rollup.
func (r *rollupInfo) definition() string {
	if r.def.List != "" {
		return strings.Join(append([]string{r.tableSQL(), r.def.List}, r.indexSQL()...), ";\n")
	}
	return strings.Join(append([]string{r.tableSQL(), r.viewSQL()}, r.indexSQL()...), ";\n")
}

func (r *rollupInfo) tableSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", quoteIdent(r.def.Name))
	if r.def.List != "" {
		b.WriteString("  SourceRowid LONG INTEGER NOT NULL,\n  TimeGenerated DATETIME TEXT NOT NULL")
		for _, c := range r.def.Cols {
			fmt.Fprintf(&b, ",\n  %s %s", quoteIdent(c.Name), declTypes[c.Type])
		}
		b.WriteString("\n)")
		return b.String()
	}
	b.WriteString("  Grain STRING TEXT NOT NULL,\n  Bucket DATETIME TEXT NOT NULL,\n")
	for _, c := range r.def.Cols {
		fmt.Fprintf(&b, "  %s %s,\n", quoteIdent(c.Name), declTypes[c.Type])
	}
	b.WriteString("  N LONG INTEGER NOT NULL,\n  FirstSeen DATETIME TEXT NOT NULL,\n  LastSeen DATETIME TEXT NOT NULL,\n  MaxRowid LONG INTEGER NOT NULL\n)")
	return b.String()
}

func (r *rollupInfo) viewName() string { return r.def.Name + "Rows" }

// viewSQL is the rollup's view; a list has none.
func (r *rollupInfo) viewSQL() string {
	if r.def.List != "" {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE VIEW %s AS SELECT rowid AS SourceRowid, TimeGenerated", quoteIdent(r.viewName()))
	for _, c := range r.def.Cols {
		fmt.Fprintf(&b, ", %s AS %s", c.Expr, quoteIdent(c.Name))
	}
	fmt.Fprintf(&b, " FROM %s", quoteIdent(r.def.Source))
	if r.def.Where != "" {
		fmt.Fprintf(&b, " WHERE %s", r.def.Where)
	}
	return b.String()
}

func (r *rollupInfo) indexName(k int) string { return fmt.Sprintf("ix_%s_%d", r.def.Name, k) }

func (r *rollupInfo) indexSQL() []string {
	var out []string
	for k, x := range r.def.Index {
		if r.def.List == "" {
			x += ", Grain, Bucket"
		}
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quoteIdent(r.indexName(k)), quoteIdent(r.def.Name), x))
	}
	return out
}

// keyList is the rollup's key column names, quoted and comma-separated.
func (r *rollupInfo) keyList() string {
	names := make([]string, len(r.def.Cols))
	for i, c := range r.def.Cols {
		names[i] = quoteIdent(c.Name)
	}
	return strings.Join(names, ", ")
}

// hourSQL counts the source rows with rowids in (?, ?] into hour rows; in a
// list, it adds their rows.
func (r *rollupInfo) hourSQL() string {
	if r.def.List != "" {
		return fmt.Sprintf("INSERT INTO %s (SourceRowid, TimeGenerated, %s)\n%s", quoteIdent(r.def.Name), r.keyList(), r.def.List)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (Grain, Bucket, %s, N, FirstSeen, LastSeen, MaxRowid)\nSELECT 'h', substr(TimeGenerated, 1, 13) || ':00:00.000000Z'",
		quoteIdent(r.def.Name), r.keyList())
	for _, c := range r.def.Cols {
		fmt.Fprintf(&b, ", %s", c.Expr)
	}
	fmt.Fprintf(&b, ", count(*), min(TimeGenerated), max(TimeGenerated), max(rowid)\nFROM %s WHERE rowid > ? AND rowid <= ?", quoteIdent(r.def.Source))
	if r.def.Where != "" {
		fmt.Fprintf(&b, " AND (%s)", r.def.Where)
	}
	b.WriteString("\nGROUP BY 2")
	for i := range r.def.Cols {
		fmt.Fprintf(&b, ", %d", i+3)
	}
	return b.String()
}

// daySQL adds up the hour rows with rowids above ? into day rows.
func (r *rollupInfo) daySQL() string {
	keys := r.keyList()
	return fmt.Sprintf(`INSERT INTO %[1]s (Grain, Bucket, %[2]s, N, FirstSeen, LastSeen, MaxRowid)
SELECT 'd', substr(Bucket, 1, 10) || 'T00:00:00.000000Z', %[2]s, sum(N), min(FirstSeen), max(LastSeen), max(MaxRowid)
FROM %[1]s WHERE rowid > ? AND Grain = 'h'
GROUP BY 2, %[2]s`, quoteIdent(r.def.Name), keys)
}

// initRollups creates the rollup state table, and each rollup's table,
// view and indexes, dropping a rollup whose definition changed.
func (w *Workspace) initRollups(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+rollupStateTable+
		" (Name TEXT PRIMARY KEY, Definition TEXT NOT NULL, SourceRowid INTEGER NOT NULL)"); err != nil {
		return fmt.Errorf("create table %s: %w", rollupStateTable, err)
	}
	for _, r := range w.rollups {
		var def string
		err := tx.QueryRowContext(ctx, "SELECT Definition FROM "+rollupStateTable+" WHERE Name = ?", r.def.Name).Scan(&def)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return fmt.Errorf("rollup %s: read state: %w", r.def.Name, err)
		}
		stmts := []string{}
		if def != r.definition() {
			stmts = append(stmts,
				"DROP VIEW IF EXISTS "+quoteIdent(r.viewName()),
				"DROP TABLE IF EXISTS "+quoteIdent(r.def.Name),
				"DELETE FROM "+rollupStateTable+" WHERE Name = "+sqlString(r.def.Name),
				r.tableSQL(), r.viewSQL())
		}
		stmts = append(stmts, r.indexSQL()...)
		for _, s := range stmts {
			if s == "" { // a list's view
				continue
			}
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("rollup %s: %w", r.def.Name, err)
			}
		}
		if def != r.definition() {
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+rollupStateTable+" (Name, Definition, SourceRowid) VALUES (?, ?, 0)",
				r.def.Name, r.definition()); err != nil {
				return fmt.Errorf("rollup %s: write state: %w", r.def.Name, err)
			}
		}
	}
	return nil
}

// staleRollups marks the rollups of tables a load wrote to for an update.
func (w *Workspace) staleRollups(tables []string) {
	w.idxMu.Lock()
	defer w.idxMu.Unlock()
	for _, r := range w.rollups {
		for _, t := range tables {
			if r.def.Source == t {
				r.fresh = false
			}
		}
	}
}

// rollupMinRows is the default of Workspace.rollupMinRows: a rollup of a
// source table with fewer rows (by its largest rowid) is left empty. The
// rows of such a table (the demo workspace's tables are such) are read
// faster than its rollups are built, and a run on an in-memory workspace
// would pay for the build every time.
const rollupMinRows = 50_000

// refreshRollup brings a rollup up to date with its source table, or
// leaves it empty while the table has fewer than w.rollupMinRows rows. An
// empty rollup is never read by ROLLUP(... BETWEEN ...): its source rows
// are read for the whole window instead, with the same answers. Once built, a rollup is kept up to date
// whatever its source's size. The caller holds idxMu.
func (w *Workspace) refreshRollup(ctx context.Context, r *rollupInfo) error {
	if r.fresh {
		return nil
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rollup %s: %w", r.def.Name, err)
	}
	defer tx.Rollback()
	var last, top, rtop int64
	if err := tx.QueryRowContext(ctx, "SELECT SourceRowid FROM "+rollupStateTable+" WHERE Name = ?", r.def.Name).Scan(&last); err != nil {
		return fmt.Errorf("rollup %s: read state: %w", r.def.Name, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM "+quoteIdent(r.def.Source)).Scan(&top); err != nil {
		return fmt.Errorf("rollup %s: %w", r.def.Name, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM "+quoteIdent(r.def.Name)).Scan(&rtop); err != nil {
		return fmt.Errorf("rollup %s: %w", r.def.Name, err)
	}
	if rtop == 0 {
		// An empty rollup counts no row, whatever the state says (it may
		// have been left empty as too small, or its rows may all have
		// failed its Where): build it from the first row, or leave it
		// empty while its source is small.
		last = 0
		if top < w.rollupMinRows && r.def.List == "" {
			top = 0
		}
	}
	if top > last {
		// A rollup built from scratch gets its indexes after its rows:
		// building an index at once is cheaper than keeping it up to date.
		if rtop == 0 {
			for k := range r.def.Index {
				if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+quoteIdent(r.indexName(k))); err != nil {
					return fmt.Errorf("rollup %s: %w", r.def.Name, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, r.hourSQL(), last, top); err != nil {
			return fmt.Errorf("rollup %s: hours: %w", r.def.Name, err)
		}
		if r.def.List == "" {
			if _, err := tx.ExecContext(ctx, r.daySQL(), rtop); err != nil {
				return fmt.Errorf("rollup %s: days: %w", r.def.Name, err)
			}
		}
		for _, stmt := range r.indexSQL() { // no-ops unless dropped above
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("rollup %s: %w", r.def.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+rollupStateTable+" SET SourceRowid = ? WHERE Name = ?", top, r.def.Name); err != nil {
			return fmt.Errorf("rollup %s: write state: %w", r.def.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rollup %s: %w", r.def.Name, err)
	}
	r.fresh, r.rows = true, rowsUnknown
	return nil
}

// sqlString quotes a string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
