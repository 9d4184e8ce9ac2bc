// Package triage is the domain of the tool: incidents, alerts, entities of every
// Sentinel kind, their identity keys, and the parsers for the three wire
// formats entities arrive in (the incident-entities API,
// SecurityAlert.Entities and Microsoft Graph alert evidence, with Defender
// XDR's own verdict on it). It does no I/O and imports nothing else of the
// project.
package triage

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"
)

// Severity is an incident's or alert's severity as Sentinel names it.
type Severity string

// The Sentinel severities, lowest first.
const (
	SeverityInformational Severity = "Informational"
	SeverityLow           Severity = "Low"
	SeverityMedium        Severity = "Medium"
	SeverityHigh          Severity = "High"
)

// Rank orders severities: 0 for unknown values, then 1 (Informational) to 4 (High).
func (s Severity) Rank() int {
	switch s {
	case SeverityInformational:
		return 1
	case SeverityLow:
		return 2
	case SeverityMedium:
		return 3
	case SeverityHigh:
		return 4
	}
	return 0
}

// Status is an incident's workflow status.
type Status string

// The incident statuses.
const (
	StatusNew    Status = "New"
	StatusActive Status = "Active"
	StatusClosed Status = "Closed"
)

// Classification is how a closed incident was judged.
type Classification string

// The incident classifications.
const (
	ClassUndetermined   Classification = "Undetermined"
	ClassTruePositive   Classification = "TruePositive"
	ClassBenignPositive Classification = "BenignPositive"
	ClassFalsePositive  Classification = "FalsePositive"
)

// Owner is who an incident is assigned to. The zero Owner means unassigned.
type Owner struct {
	ObjectID   string `json:"object_id,omitempty"`
	Email      string `json:"email,omitempty"`
	AssignedTo string `json:"assigned_to,omitempty"`
	UPN        string `json:"upn,omitempty"`
}

// String returns the most readable name of the owner, or "" when unassigned.
func (o Owner) String() string {
	for _, s := range []string{o.AssignedTo, o.UPN, o.Email, o.ObjectID} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Incident is one Sentinel incident.
type Incident struct {
	Name                  string         `json:"name"`   // the incident's GUID
	Number                int            `json:"number"` // the incident number shown in the portal
	Title                 string         `json:"title"`
	Description           string         `json:"description,omitempty"`
	Severity              Severity       `json:"severity"`
	Status                Status         `json:"status"`
	Classification        Classification `json:"classification,omitempty"`
	ClassificationReason  string         `json:"classification_reason,omitempty"`
	ClassificationComment string         `json:"classification_comment,omitempty"`
	Owner                 Owner          `json:"owner"`
	Labels                []string       `json:"labels,omitempty"`
	Created               time.Time      `json:"created"`
	FirstActivity         time.Time      `json:"first_activity,omitzero"`
	LastActivity          time.Time      `json:"last_activity,omitzero"`
	LastModified          time.Time      `json:"last_modified,omitzero"`
	AlertCount            int            `json:"alerts"`
	AlertIDs              []string       `json:"alert_ids,omitempty"` // SystemAlertIds, where the source lists them
	ProductNames          []string       `json:"product_names,omitempty"`
	Tactics               []string       `json:"tactics,omitempty"`
	URL                   string         `json:"url,omitempty"`
	ETag                  string         `json:"etag,omitempty"`
	// Source keeps, for an incident from a service whose words are not the
	// model's (Defender XDR through Microsoft Graph), the service's own
	// values of the fields mapped onto the model's, by the service's field
	// name ("status": "inProgress", "determination": "malware"), and what
	// it says that the model has no field for ("redirectedFrom"). Nil for
	// Sentinel and local workspaces, whose words are the model's.
	Source map[string]string `json:"source,omitempty"`
}

// Alert is one security alert of an incident.
type Alert struct {
	ID                 string            `json:"id"` // SystemAlertId
	Name               string            `json:"name"`
	AlertType          string            `json:"alert_type,omitempty"`
	Severity           Severity          `json:"severity"`
	Product            string            `json:"product,omitempty"`
	Provider           string            `json:"provider,omitempty"`
	Vendor             string            `json:"vendor,omitempty"`
	Status             string            `json:"status,omitempty"`
	Tactics            []string          `json:"tactics,omitempty"`
	Techniques         []string          `json:"techniques,omitempty"`
	Start              time.Time         `json:"start,omitzero"`
	End                time.Time         `json:"end,omitzero"`
	TimeGenerated      time.Time         `json:"time_generated,omitzero"`
	Description        string            `json:"description,omitempty"`
	CompromisedEntity  string            `json:"compromised_entity,omitempty"`
	ExtendedProperties map[string]string `json:"extended_properties,omitempty"`
	// EntityKeys are the identity keys of the entities this alert names, in
	// the order they were first seen.
	EntityKeys []string `json:"entity_keys"`
}

// SortAlerts puts alerts in time order, the one order every rendering shows:
// by start time (the generation time when there is none; alerts with
// neither last, as their time is unknown), then by name, then by id so the
// order never depends on how a workspace read them.
func SortAlerts(as []Alert) {
	at := func(a Alert) time.Time {
		if a.Start.IsZero() {
			return a.TimeGenerated
		}
		return a.Start
	}
	slices.SortStableFunc(as, func(a, b Alert) int {
		ta, tb := at(a), at(b)
		if ta.IsZero() != tb.IsZero() {
			if ta.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(ta.Compare(tb), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

// Kind is an entity kind, spelled as the Sentinel incident-entities API spells it.
type Kind string

// The entity kinds. Parsers map every known spelling variant (for example the
// SecurityAlert.Entities names "ip", "host-logon-session", "network-connection")
// onto these; a kind they do not know is kept as it was written.
const (
	KindAccount           Kind = "Account"
	KindHost              Kind = "Host"
	KindIP                Kind = "Ip"
	KindURL               Kind = "Url"
	KindDNS               Kind = "DnsResolution"
	KindFileHash          Kind = "FileHash"
	KindFile              Kind = "File"
	KindProcess           Kind = "Process"
	KindMailbox           Kind = "Mailbox"
	KindMailMessage       Kind = "MailMessage"
	KindMailCluster       Kind = "MailCluster"
	KindSubmissionMail    Kind = "SubmissionMail"
	KindCloudApplication  Kind = "CloudApplication"
	KindAzureResource     Kind = "AzureResource"
	KindMalware           Kind = "Malware"
	KindRegistryKey       Kind = "RegistryKey"
	KindRegistryValue     Kind = "RegistryValue"
	KindSecurityGroup     Kind = "SecurityGroup"
	KindIoTDevice         Kind = "IoTDevice"
	KindNic               Kind = "Nic"
	KindNetworkConnection Kind = "NetworkConnection"
	KindLogonSession      Kind = "HostLogonSession"
	KindSecurityAlert     Kind = "SecurityAlert"
	KindBookmark          Kind = "Bookmark"
)

// KnownKinds lists every kind the parsers recognise, in display order.
var KnownKinds = []Kind{
	KindAccount, KindHost, KindIP, KindURL, KindDNS, KindFileHash, KindFile,
	KindProcess, KindMailbox, KindMailMessage, KindMailCluster, KindSubmissionMail,
	KindCloudApplication, KindAzureResource, KindMalware, KindRegistryKey,
	KindRegistryValue, KindSecurityGroup, KindIoTDevice, KindNic,
	KindNetworkConnection, KindLogonSession, KindSecurityAlert, KindBookmark,
}

// Entity is one thing an incident involves. Entities are merged by Key: the same
// account seen in two alerts is one Entity.
type Entity struct {
	Kind Kind `json:"kind"`
	// Key is the identity key: the kind, a colon, and the normalised value of
	// the property that identifies the entity ("Ip:10.0.0.1",
	// "Account:alice@contoso.com"). Two entities with the same Key are the same.
	Key string `json:"key"`
	// Name is the display name; distinct entities have distinct names within a Set.
	Name string `json:"name"`
	// Properties holds the entity's properties with camelCase names as the
	// incident-entities API uses them; links to other entities are removed from
	// here and kept in Links. Unknown kinds keep every property as written.
	Properties map[string]any `json:"properties"`
	Links      []Link         `json:"links,omitempty"`
	// Alerts are the SystemAlertIds of the alerts that name this entity.
	Alerts []string `json:"alerts,omitempty"`
}

// Link is a directed relation from one entity to another: a process's "host",
// a file's "hashes", a DNS resolution's "ipAddresses".
type Link struct {
	Rel string `json:"rel"`
	Key string `json:"key"`
}

// Problem is one thing that went wrong while reading or triaging an incident.
// Problems are collected, never fatal: the rest of the work goes on.
type Problem struct {
	Where string `json:"where"` // "alert 4aa486e0… entities[3]", "section ti"
	What  string `json:"what"`
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// Details is everything a workspace knows about one incident: its alerts and
// their merged entities, and the problems met while reading them.
type Details struct {
	Alerts   []Alert   `json:"alerts"`
	Entities []Entity  `json:"entities"`
	Problems []Problem `json:"problems,omitempty"`
	// EntitiesLeftOut counts the entities the caps left out (see Assembly),
	// each named by a problem: with any, what is built from the entities is
	// partial.
	EntitiesLeftOut int `json:"entities_left_out,omitempty"`
}

// RawJSON is a JSON value kept as received.
type RawJSON = json.RawMessage
