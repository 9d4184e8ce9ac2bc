package local

import (
	"fmt"
	"strings"
)

// column is one column of a table, with its Log Analytics type name.
type column struct {
	Name    string
	Type    string // string, datetime, long, int, real, bool, dynamic, guid
	jsonKey []byte // "Name": as written in Record
}

// tableDef describes one table of the local store. Hot columns are real
// SQLite columns; every other field of a record lives only in the Record
// column's JSON. Cold columns are fields known to exist in the Sentinel table
// that are not hot; they are listed so query results can type them.
type tableDef struct {
	Name string
	Hot  []column
	Cold []column
	// Entity columns get an index on (column, TimeGenerated).
	Entity []string
	// Extra holds other index definitions, as the parenthesised part of
	// CREATE INDEX ("(CreatedTime)", "(lower(ObservableValue))"). An index
	// on an expression serves only statements that write the same
	// expression: the entity summaries (queries/summary.yaml) write these
	// verbatim.
	Extra []string
}

// cols parses "Name Name:type ..." (type string when omitted).
func cols(spec string) []column {
	var out []column
	for _, f := range strings.Fields(spec) {
		name, typ, ok := strings.Cut(f, ":")
		if !ok {
			typ = "string"
		}
		out = append(out, column{Name: name, Type: typ, jsonKey: append(appendJSONString(nil, name), ':')})
	}
	return out
}

// signinHot and signinCold are shared by SigninLogs and
// AADNonInteractiveUserSignInLogs, which have the same shape.
const (
	signinHot  = `TimeGenerated:datetime UserPrincipalName UserId IPAddress ResultType AppDisplayName`
	signinCold = `UserDisplayName ResultDescription AppId ClientAppUsed Location ConditionalAccessStatus
		IsInteractive:bool RiskLevelDuringSignIn RiskState UserAgent AutonomousSystemNumber:int
		LocationDetails:dynamic DeviceDetail:dynamic OperationName Category ResultSignature DurationMs:long
		CorrelationId Resource ResourceGroup ResourceId ResourceDisplayName Identity Level
		AuthenticationRequirement ConditionalAccessPolicies:dynamic CreatedDateTime:datetime Id IsRisky:bool
		MfaDetail:dynamic NetworkLocationDetails RiskDetail RiskLevelAggregated RiskEventTypes
		RiskEventTypes_V2 Status:dynamic TokenIssuerType UserType HomeTenantId OperationVersion
		TenantId SourceSystem Type`
)

// tables is the schema of the local store: Sentinel's table and column
// names and types. Hot columns are what queries filter, join or sort on
// (every hot column costs loading time); the cold columns listed are other
// columns of the Sentinel table, kept in Record and typed from here.
var tables = []tableDef{
	{
		Name: "SecurityIncident",
		Hot: cols(`TimeGenerated:datetime IncidentName IncidentNumber:int Title Description Severity Status
			Classification ClassificationReason ClassificationComment Owner:dynamic ProviderName ProviderIncidentId
			CreatedTime:datetime FirstActivityTime:datetime LastActivityTime:datetime FirstModifiedTime:datetime
			LastModifiedTime:datetime ClosedTime:datetime AlertIds:dynamic BookmarkIds:dynamic Labels:dynamic
			AdditionalData:dynamic RelatedAnalyticRuleIds:dynamic IncidentUrl`),
		Cold:   cols(`Comments:dynamic Tasks:dynamic ModifiedBy TenantId SourceSystem Type`),
		Entity: []string{"IncidentName", "IncidentNumber"},
		Extra:  []string{"(CreatedTime)"},
	},
	{
		Name: "SecurityAlert",
		Hot: cols(`TimeGenerated:datetime SystemAlertId DisplayName AlertName AlertSeverity Description
			ProviderName VendorName VendorOriginalId ProductName ProductComponentName AlertType ConfidenceLevel
			ConfidenceScore:real IsIncident:bool StartTime:datetime EndTime:datetime ProcessingEndTime:datetime
			CompromisedEntity Entities ExtendedProperties Tactics Techniques SubTechniques Status AlertLink
			RemediationSteps ResourceId SourceComputerId`),
		Cold:   cols(`ExtendedLinks WorkspaceSubscriptionId WorkspaceResourceGroup TenantId SourceSystem Type`),
		Entity: []string{"SystemAlertId"},
	},
	{
		Name:   "SigninLogs",
		Hot:    cols(signinHot),
		Cold:   cols(signinCold),
		Entity: []string{"UserPrincipalName", "IPAddress"},
		// The summaries match accounts case-insensitively (lower-case
		// values), on the UPN and on the object id.
		Extra: []string{"(lower(UserPrincipalName), TimeGenerated)", "(lower(UserId), TimeGenerated)"},
	},
	{
		Name:   "AADNonInteractiveUserSignInLogs",
		Hot:    cols(signinHot),
		Cold:   cols(signinCold),
		Entity: []string{"UserPrincipalName", "IPAddress"},
	},
	{
		Name: "AuditLogs",
		Hot:  cols(`TimeGenerated:datetime OperationName Category Result ActivityDisplayName`),
		Cold: cols(`ResultReason ActivityDateTime:datetime LoggedByService CorrelationId Id AADOperationType
			InitiatedBy:dynamic TargetResources:dynamic AdditionalDetails:dynamic Identity Level Location
			ResultDescription ResultSignature ResultType DurationMs:long Resource ResourceGroup ResourceId
			OperationVersion TenantId SourceSystem Type`),
		Entity: []string{"OperationName"},
		Extra:  []string{"(Category, TimeGenerated)"},
	},
	{
		Name: "AzureActivity",
		Hot: cols(`TimeGenerated:datetime Caller CallerIpAddress OperationNameValue ActivityStatusValue
			ResourceProviderValue _ResourceId`),
		Cold: cols(`ActivitySubstatusValue CategoryValue ResourceGroup SubscriptionId Level CorrelationId
			OperationName OperationId Properties Properties_d:dynamic Authorization Authorization_d:dynamic
			Claims Claims_d:dynamic HTTPRequest Hierarchy EventSubmissionTimestamp:datetime EventDataId
			TenantId SourceSystem Type`),
		Entity: []string{"Caller", "CallerIpAddress"},
		Extra: []string{
			"(lower(Caller), TimeGenerated)",
			"(upper(OperationNameValue), TimeGenerated)",
			"(lower(_ResourceId), TimeGenerated)",
		},
	},
	{
		Name: "OfficeActivity",
		Hot:  cols(`TimeGenerated:datetime UserId ClientIP Operation OfficeWorkload RecordType`),
		Cold: cols(`ResultStatus OfficeObjectId UserType UserKey OrganizationId Client_IPAddress SourceFileName
			Site_Url SourceRelativeUrl TargetUserOrGroupName MailboxOwnerUPN Parameters OfficeId OfficeTenantId
			ExternalAccess:bool ElevationTime:datetime OriginatingServer MailboxGuid ClientInfoString
			TenantId SourceSystem Type`),
		Entity: []string{"UserId", "ClientIP"},
		Extra: []string{
			"(lower(UserId), TimeGenerated)",
			"(lower(json_extract(Record, '$.MailboxOwnerUPN')), TimeGenerated)",
		},
	},
	{
		Name: "SecurityEvent",
		Hot:  cols(`TimeGenerated:datetime Computer EventID:int Account TargetUserName IpAddress LogonType:int`),
		Cold: cols(`Activity AccountType TargetDomainName TargetAccount TargetUserSid SubjectUserName
			SubjectDomainName SubjectAccount SubjectUserSid IpPort LogonTypeName LogonProcessName
			AuthenticationPackageName WorkstationName Status SubStatus Process ProcessName NewProcessName
			ParentProcessName CommandLine ProcessId TimeCreated:datetime EventSourceName Channel Level Task
			EventData ServiceName ServiceFileName TargetLogonId SubjectLogonId ElevatedToken
			ImpersonationLevel EventOriginId SourceComputerId ManagementGroupName TenantId SourceSystem Type`),
		Entity: []string{"Computer", "TargetUserName", "IpAddress"},
		// The summaries look events up by ID, and hosts and accounts by
		// lower-cased names, SIDs and agent ids (the last two kept in Record).
		Extra: []string{
			"(EventID, TimeGenerated)",
			"(lower(Computer), EventID, TimeGenerated)",
			"(lower(TargetUserName), EventID, TimeGenerated)",
			"(lower(json_extract(Record, '$.TargetUserSid')), EventID, TimeGenerated)",
			"(lower(json_extract(Record, '$.SourceComputerId')), EventID, TimeGenerated)",
		},
	},
	{
		Name: "Syslog",
		Hot:  cols(`TimeGenerated:datetime Computer HostIP Facility SeverityLevel ProcessName SyslogMessage`),
		Cold: cols(`HostName ProcessID:int EventTime:datetime CollectorHostName _ResourceId
			TenantId SourceSystem Type`),
		Entity: []string{"Computer", "HostIP"},
		// The process index carries the message, so that a query can test
		// it without reading the row.
		Extra: []string{
			"(ProcessName, TimeGenerated, SyslogMessage)",
			"(SeverityLevel, TimeGenerated)",
			"(lower(Computer), ProcessName, TimeGenerated)",
			"(lower(json_extract(Record, '$._ResourceId')), ProcessName, TimeGenerated)",
		},
	},
	{
		Name: "Heartbeat",
		Hot:  cols(`TimeGenerated:datetime Computer ComputerIP OSType`),
		Cold: cols(`ComputerPrivateIPs:dynamic OSName OSMajorVersion OSMinorVersion Version SourceComputerId
			ComputerEnvironment ResourceId ResourceGroup SubscriptionId RemoteIPCountry RemoteIPLatitude:real
			RemoteIPLongitude:real Category VMUUID Solutions ResourceType ResourceProvider
			IsGatewayInstalled:bool SCAgentChannel ManagementGroupName TenantId SourceSystem Type`),
		Entity: []string{"Computer", "ComputerIP"},
		// ComputerPrivateIPs is indexed whole (the JSON text of the list):
		// hosts have few distinct lists, which a query can walk one by one.
		Extra: []string{
			"(lower(Computer), TimeGenerated)",
			"(lower(json_extract(Record, '$.SourceComputerId')), TimeGenerated)",
			"(lower(json_extract(Record, '$.ResourceId')), TimeGenerated)",
			"((Record -> '$.ComputerPrivateIPs'), TimeGenerated)",
		},
	},
	{
		Name: "DeviceInfo",
		Hot:  cols(`TimeGenerated:datetime DeviceId DeviceName PublicIP OSPlatform`),
		Cold: cols(`Timestamp:datetime OSVersion OSBuild:long OSArchitecture OSDistribution ClientVersion
			IsAzureADJoined:bool JoinType AadDeviceId LoggedOnUsers:dynamic MachineGroup DeviceCategory
			DeviceType OnboardingStatus Model Vendor ReportId:long SensorHealthState ExposureLevel AssetValue
			MergedDeviceIds MergedToDeviceId IsInternetFacing:bool AdditionalFields:dynamic
			TenantId SourceSystem Type`),
		Entity: []string{"DeviceId", "DeviceName", "PublicIP"},
		Extra:  []string{"(lower(DeviceName), TimeGenerated)", "(lower(DeviceId), TimeGenerated)"},
	},
	{
		Name: "DeviceNetworkInfo",
		Hot:  cols(`TimeGenerated:datetime DeviceId DeviceName IPAddresses:dynamic`),
		Cold: cols(`Timestamp:datetime MacAddress NetworkAdapterName NetworkAdapterStatus NetworkAdapterType
			IPv4Dhcp IPv6Dhcp DefaultGateways:dynamic DnsAddresses:dynamic ConnectedNetworks:dynamic
			ReportId:long TunnelType NetworkAdapterVendor TenantId SourceSystem Type`),
		Entity: []string{"DeviceId", "DeviceName"},
		Extra:  []string{"(lower(DeviceName), TimeGenerated)", "(lower(DeviceId), TimeGenerated)", "(IPAddresses, TimeGenerated)"},
	},
	{
		Name: "DeviceNetworkEvents",
		Hot: cols(`TimeGenerated:datetime DeviceId DeviceName ActionType RemoteIP RemotePort:int RemoteUrl
			LocalIP`),
		Cold: cols(`Timestamp:datetime LocalPort:int Protocol RemoteIPType LocalIPType InitiatingProcessFileName
			InitiatingProcessCommandLine InitiatingProcessAccountName InitiatingProcessAccountDomain
			InitiatingProcessAccountSid InitiatingProcessAccountUpn InitiatingProcessSHA256
			InitiatingProcessSHA1 InitiatingProcessMD5 InitiatingProcessId:long InitiatingProcessFolderPath
			InitiatingProcessParentFileName AdditionalFields:dynamic ReportId:long TenantId SourceSystem Type`),
		Entity: []string{"DeviceName", "RemoteIP", "RemoteUrl"},
		Extra:  []string{"(LocalIP, TimeGenerated)"},
	},
	{
		Name: "DeviceProcessEvents",
		Hot:  cols(`TimeGenerated:datetime DeviceId DeviceName ActionType FileName SHA1 SHA256 MD5 AccountName`),
		Cold: cols(`Timestamp:datetime FolderPath ProcessId:long ProcessCommandLine ProcessCreationTime:datetime
			AccountDomain AccountSid AccountUpn InitiatingProcessFileName InitiatingProcessCommandLine
			InitiatingProcessId:long InitiatingProcessParentFileName InitiatingProcessSHA256
			InitiatingProcessAccountName InitiatingProcessAccountDomain InitiatingProcessFolderPath
			InitiatingProcessIntegrityLevel ProcessIntegrityLevel ProcessTokenElevation FileSize:long
			LogonId:long AdditionalFields:dynamic ReportId:long TenantId SourceSystem Type`),
		Entity: []string{"DeviceName", "SHA256", "AccountName"},
		Extra: []string{
			"(lower(DeviceName), TimeGenerated)",
			"(lower(DeviceId), TimeGenerated)",
			"(lower(SHA256), TimeGenerated)",
			"(lower(SHA1), TimeGenerated)",
			"(lower(MD5), TimeGenerated)",
			"(FileName, TimeGenerated)",
		},
	},
	{
		Name: "DeviceFileEvents",
		Hot:  cols(`TimeGenerated:datetime DeviceId DeviceName ActionType FileName SHA1 SHA256 MD5`),
		Cold: cols(`Timestamp:datetime FolderPath FileSize:long InitiatingProcessFileName
			InitiatingProcessCommandLine InitiatingProcessAccountName RequestAccountName FileOriginUrl
			FileOriginIP RequestSourceIP InitiatingProcessSHA256 AdditionalFields:dynamic ReportId:long
			TenantId SourceSystem Type`),
		Entity: []string{"DeviceName", "SHA256", "FileName"},
		Extra:  []string{"(lower(SHA256), TimeGenerated)", "(lower(SHA1), TimeGenerated)", "(lower(MD5), TimeGenerated)"},
	},
	{
		Name: "DeviceLogonEvents",
		Hot:  cols(`TimeGenerated:datetime DeviceId DeviceName ActionType LogonType AccountName RemoteIP`),
		Cold: cols(`Timestamp:datetime AccountDomain AccountSid Protocol FailureReason IsLocalAdmin:bool
			LogonId:long RemoteDeviceName RemoteIPType RemotePort:int InitiatingProcessFileName
			InitiatingProcessAccountName InitiatingProcessCommandLine AdditionalFields:dynamic ReportId:long
			TenantId SourceSystem Type`),
		Entity: []string{"DeviceName", "AccountName", "RemoteIP"},
	},
	{
		Name: "CommonSecurityLog",
		Hot: cols(`TimeGenerated:datetime DeviceVendor DeviceProduct SourceIP DestinationIP
			DestinationPort:int DeviceAction RequestURL`),
		Cold: cols(`DeviceEventClassID Activity LogSeverity SourcePort:int Protocol ApplicationProtocol
			SourceUserName DestinationUserName SourceHostName DestinationHostName Computer Message
			SentBytes:long ReceivedBytes:long FileHash DeviceVersion DeviceName SimplifiedDeviceAction
			CommunicationDirection AdditionalExtensions FileName RequestMethod RequestClientApplication
			IndicatorThreatType ThreatSeverity:int SourceTranslatedAddress DeviceInboundInterface
			DeviceOutboundInterface DeviceCustomString1 DeviceCustomString1Label ReceiptTime
			TenantId SourceSystem Type`),
		Entity: []string{"SourceIP", "DestinationIP"},
		Extra:  []string{"(json_extract(Record, '$.DestinationHostName'), TimeGenerated)", "(RequestURL, TimeGenerated)"},
	},
	{
		Name: "DnsEvents",
		Hot:  cols(`TimeGenerated:datetime Computer Name IPAddresses ClientIP QueryType`),
		Cold: cols(`EventId:int SubType Result ResultCode:int MaliciousIP IndicatorThreatType Description
			RemoteIPCountry RemoteIPLatitude:real RemoteIPLongitude:real TaskCategory SourceComputerId
			TenantId SourceSystem Type`),
		Entity: []string{"Name", "ClientIP", "Computer"},
		Extra:  []string{"(lower(rtrim(Name, '.')), TimeGenerated)"},
	},
	{
		Name: "ThreatIntelIndicators",
		Hot: cols(`TimeGenerated:datetime Id ObservableKey ObservableValue Confidence:int IsActive:bool
			IsDeleted:bool Revoked:bool ValidFrom:datetime ValidUntil:datetime Created:datetime
			Modified:datetime Tags Data:dynamic Pattern SourceSystem LastUpdateMethod`),
		Cold:   cols(`AdditionalFields:dynamic TenantId WorkspaceId AzureTenantId Type`),
		Entity: []string{"Id"},
		Extra:  []string{"(lower(ObservableValue))"},
	},
	{
		Name: "ThreatIntelligenceIndicator",
		Hot: cols(`TimeGenerated:datetime IndicatorId ThreatType Description ConfidenceScore:real Active:bool
			ExpirationDateTime:datetime NetworkIP NetworkSourceIP NetworkDestinationIP Url DomainName
			EmailSenderAddress FileHashValue FileHashType TrafficLightProtocolLevel Tags SourceSystem
			ThreatSeverity:int Action ExternalIndicatorId`),
		Cold:   cols(`AdditionalInformation ActivityGroupNames TenantId Type`),
		Entity: []string{"IndicatorId", "NetworkIP", "DomainName", "Url", "FileHashValue"},
	},
	{
		// IdentityInfo is UEBA's table of accounts: a row per account when
		// it changes or is synchronised again; privileged_accounts reads
		// an account's latest roles and groups by UPN, SID or object id.
		Name: "IdentityInfo",
		Hot: cols(`TimeGenerated:datetime AccountUPN AccountObjectId AccountSID AccountName AccountDomain
			AssignedRoles:dynamic GroupMembership:dynamic`),
		Cold: cols(`AccountCloudSID AccountCreationTime:datetime AccountDisplayName AccountTenantId
			AdditionalMailAddresses:dynamic BlastRadius ChangeSource City CompanyName Country Department
			GivenName Surname JobTitle MailAddress Manager IsAccountEnabled:bool IsMFARegistered:bool
			IsServiceAccount:bool OnPremisesDistinguishedName RiskLevel RiskState SAMAccountName Tags
			UserState UserType TenantId SourceSystem Type`),
		Entity: []string{"AccountUPN"},
		Extra: []string{
			"(lower(AccountUPN), TimeGenerated)",
			"(lower(AccountSID), TimeGenerated)",
			"(lower(AccountObjectId), TimeGenerated)",
		},
	},
	{
		Name: "HuntingBookmark",
		Hot: cols(`TimeGenerated:datetime BookmarkId BookmarkName CreatedTime:datetime EventTime:datetime
			UpdatedTime:datetime CreatedBy UpdatedBy Notes QueryText QueryResultRow Tags Entities
			SoftDeleted:bool`),
		Cold:   cols(`IncidentInfo:dynamic BookmarkType TenantId SourceSystem Type`),
		Entity: []string{"BookmarkId"},
	},
	{
		// TriageIncidentComment has no Sentinel table: it holds the
		// comments triage writes on the local workspace's incidents (in
		// Sentinel they live in the incident's comments API). One row per
		// comment; replacing a comment rewrites its row.
		Name: "TriageIncidentComment",
		Hot: cols(`TimeGenerated:datetime IncidentName CommentId Message Author CreatedTime:datetime
			LastModifiedTime:datetime`),
		Cold:   cols(`Type`),
		Entity: []string{"IncidentName", "CommentId"},
	},
	{
		Name: "VMComputer",
		Hot:  cols(`TimeGenerated:datetime Computer HostName Ipv4Addresses:dynamic`),
		Cold: cols(`AgentId Machine DisplayName FullDisplayName BootTime:datetime TimeZone
			Ipv4SubnetMasks:dynamic Ipv4DefaultGateways:dynamic Ipv6Addresses:dynamic MacAddresses:dynamic
			DnsNames:dynamic OperatingSystemFamily OperatingSystemFullName Bitness PhysicalMemoryMB:real
			Cpus:int CpuSpeed:int VirtualizationState AzureResourceName AzureSubscriptionId
			AzureResourceGroup AzureLocation AzureVmId AzureCloudServiceName TenantId SourceSystem Type`),
		Entity: []string{"Computer", "HostName"},
		Extra:  []string{"(Ipv4Addresses, TimeGenerated)"},
	},
}

// declTypes maps a Log Analytics type to the declared SQLite type of a hot
// column. The first word carries the Log Analytics type, which query results
// report; the second gives the column SQLite's affinity (TEXT, INTEGER or
// REAL). No declared type is exactly DATE, DATETIME or TIMESTAMP, which the
// driver would convert by itself.
var declTypes = map[string]string{
	"string":   "STRING TEXT",
	"guid":     "GUID TEXT",
	"datetime": "DATETIME TEXT",
	"dynamic":  "DYNAMIC TEXT",
	"timespan": "TIMESPAN TEXT",
	"long":     "LONG INTEGER",
	"int":      "INT INTEGER",
	"bool":     "BOOL INTEGER",
	"real":     "REAL",
}

// recordColumn is the column holding each record's full JSON.
const recordColumn = "Record"

// schema indexes the table definitions.
type schema struct {
	byName map[string]*tableInfo
	// globalType maps a column name to its type when every table that has
	// the column agrees on it; used to type computed result columns.
	globalType map[string]string
}

type tableInfo struct {
	def     *tableDef
	hotIdx  map[string]int    // hot column name -> position
	types   map[string]string // hot and cold column name -> type
	indexes []indexDef
}

type indexDef struct {
	name string
	ddl  string
}

func newSchema(defs []tableDef) (*schema, error) {
	s := &schema{byName: make(map[string]*tableInfo), globalType: make(map[string]string)}
	conflict := make(map[string]bool)
	for i := range defs {
		d := &defs[i]
		if _, dup := s.byName[d.Name]; dup {
			return nil, fmt.Errorf("schema: table %s defined twice", d.Name)
		}
		ti := &tableInfo{def: d, hotIdx: make(map[string]int), types: make(map[string]string)}
		if len(d.Hot) == 0 || d.Hot[0].Name != "TimeGenerated" || d.Hot[0].Type != "datetime" {
			return nil, fmt.Errorf("schema: table %s: the first hot column must be TimeGenerated:datetime", d.Name)
		}
		for j, c := range d.Hot {
			if _, ok := declTypes[c.Type]; !ok {
				return nil, fmt.Errorf("schema: table %s column %s: unknown type %q", d.Name, c.Name, c.Type)
			}
			if _, dup := ti.types[c.Name]; dup || c.Name == recordColumn {
				return nil, fmt.Errorf("schema: table %s: column %s defined twice", d.Name, c.Name)
			}
			ti.hotIdx[c.Name] = j
			ti.types[c.Name] = c.Type
		}
		for _, c := range d.Cold {
			if _, ok := declTypes[c.Type]; !ok {
				return nil, fmt.Errorf("schema: table %s column %s: unknown type %q", d.Name, c.Name, c.Type)
			}
			if _, dup := ti.types[c.Name]; dup {
				return nil, fmt.Errorf("schema: table %s: column %s defined twice", d.Name, c.Name)
			}
			ti.types[c.Name] = c.Type
		}
		for _, e := range d.Entity {
			if _, ok := ti.hotIdx[e]; !ok {
				return nil, fmt.Errorf("schema: table %s: entity index on %s, which is not a hot column", d.Name, e)
			}
		}
		for name, typ := range ti.types {
			if prev, ok := s.globalType[name]; ok && prev != typ {
				conflict[name] = true
			}
			s.globalType[name] = typ
		}
		if len(d.Hot) > 64 {
			return nil, fmt.Errorf("schema: table %s: more than 64 hot columns", d.Name)
		}
		ti.indexes = append(ti.indexes, indexDef{
			name: "ix_" + d.Name + "_TimeGenerated",
			ddl:  fmt.Sprintf("(%s)", quoteIdent("TimeGenerated")),
		})
		for _, e := range d.Entity {
			ti.indexes = append(ti.indexes, indexDef{
				name: "ix_" + d.Name + "_" + e,
				ddl:  fmt.Sprintf("(%s, %s)", quoteIdent(e), quoteIdent("TimeGenerated")),
			})
		}
		for k, x := range d.Extra {
			ti.indexes = append(ti.indexes, indexDef{name: fmt.Sprintf("ix_%s_x%d", d.Name, k), ddl: x})
		}
		s.byName[d.Name] = ti
	}
	for name := range conflict {
		delete(s.globalType, name)
	}
	return s, nil
}

// createSQL returns the statements that create the table.
func (ti *tableInfo) createSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", quoteIdent(ti.def.Name))
	for _, c := range ti.def.Hot {
		fmt.Fprintf(&b, "  %s %s,\n", quoteIdent(c.Name), declTypes[c.Type])
	}
	fmt.Fprintf(&b, "  %s DYNAMIC TEXT NOT NULL\n)", recordColumn)
	return b.String()
}

func (ti *tableInfo) indexSQL(ix indexDef) string {
	return fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s %s", quoteIdent(ix.name), quoteIdent(ti.def.Name), ix.ddl)
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
