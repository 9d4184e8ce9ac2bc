// Package demo generates the built-in demo workspace: a fictional tenant,
// Contoso Demo Ltd (contoso-demo.example), with two weeks of Microsoft
// Sentinel data — SecurityIncident, SecurityAlert (entities in the real
// SecurityAlert.Entities JSON format), a STIX threat-intelligence feed
// (ThreatIntelIndicators) and more than 100,000 log rows across the usual
// Sentinel tables — that tells one coherent attack story among benign noise
// and one false positive.
//
// Generation is deterministic: the same Options produce the same records in
// the same order. Every time lies in the 14 days before Options.Now. Every
// indicator the story calls malicious is from a documentation address range
// or a reserved example domain. The story is described by DefaultStory and in
// story.go.
package demo

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Options configures Generate.
type Options struct {
	Now   time.Time // the anchor; everything is placed in the 14 days before it
	Scale int       // 1 (or 0) = the default data set (≥100k log rows); N multiplies the background log volume
	Seed  uint64    // 0 = DefaultSeed
}

// Window is how far back the demo data reaches from Options.Now.
const Window = 14 * 24 * time.Hour

// The tables Generate writes, in the order it writes them.
const (
	TableSecurityIncident      = "SecurityIncident"
	TableSecurityAlert         = "SecurityAlert"
	TableThreatIntelIndicators = "ThreatIntelIndicators"
	TableSigninLogs            = "SigninLogs"
	TableAuditLogs             = "AuditLogs"
	TableAzureActivity         = "AzureActivity"
	TableOfficeActivity        = "OfficeActivity"
	TableSecurityEvent         = "SecurityEvent"
	TableSyslog                = "Syslog"
	TableHeartbeat             = "Heartbeat"
	TableDeviceInfo            = "DeviceInfo"
	TableDeviceNetworkInfo     = "DeviceNetworkInfo"
	TableDeviceNetworkEvents   = "DeviceNetworkEvents"
	TableDeviceProcessEvents   = "DeviceProcessEvents"
	TableDeviceLogonEvents     = "DeviceLogonEvents"
	TableCommonSecurityLog     = "CommonSecurityLog"
	TableDnsEvents             = "DnsEvents"
	TableIdentityInfo          = "IdentityInfo"
)

// Tables lists the tables Generate writes, in the order it writes them.
func Tables() []string {
	return []string{
		TableSecurityAlert, TableSecurityIncident, TableThreatIntelIndicators,
		TableSigninLogs, TableAuditLogs, TableAzureActivity, TableOfficeActivity,
		TableSecurityEvent, TableSyslog, TableHeartbeat, TableDeviceInfo,
		TableDeviceNetworkInfo, TableDeviceNetworkEvents, TableDeviceProcessEvents,
		TableDeviceLogonEvents, TableCommonSecurityLog, TableDnsEvents, TableIdentityInfo,
	}
}

// Generate calls emit once per record. table is a Sentinel table name; rec's
// keys are that table's Sentinel column names. Values are string, int64,
// float64, bool, time.Time (UTC), nil, or for dynamic columns map[string]any
// and []any (numbers inside dynamic values are int64 or float64).
// SecurityAlert's Entities and ExtendedProperties columns are JSON text
// exactly as Log Analytics returns them. Each rec is a new map that emit may
// keep. An error from emit stops generation and is returned.
//
// SecurityIncident has one row per incident, in its latest state. Apart from
// ThreatIntelIndicators' ValidUntil (a validity horizon that may lie after
// Now), every time is within [Now-Window, Now].
func Generate(opts Options, emit func(table string, rec map[string]any) error) error {
	if opts.Now.IsZero() {
		return errors.New("demo: Options.Now is required")
	}
	if opts.Scale < 0 {
		return errors.New("demo: Options.Scale must not be negative")
	}
	if emit == nil {
		return errors.New("demo: emit is nil")
	}
	g := newGen(opts, emit)
	for _, step := range []func() error{
		g.incidentsAndAlerts,
		g.threatIntel,
		g.signinLogs,
		g.auditLogs,
		g.azureActivity,
		g.officeActivity,
		g.securityEvents,
		g.syslog,
		g.heartbeat,
		g.deviceInfo,
		g.deviceNetworkInfo,
		g.deviceNetworkEvents,
		g.deviceProcessEvents,
		g.deviceLogonEvents,
		g.commonSecurityLog,
		g.dnsEvents,
		g.identityInfo,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// gen is one run of the generator.
type gen struct {
	now   time.Time
	start time.Time
	scale int
	id    ids
	emit  func(string, map[string]any) error
	ws    wsInfo

	// Values used on every row, boxed once: converting a computed string to
	// an interface allocates, and the generator writes a lot of rows.
	tenant      any
	aadResource any // the ResourceId of Entra ID logs
	hierarchy   any // AzureActivity's management-group hierarchy
	hostv       map[string]*hostValues
	hashes      map[string]string
}

// hostValues are a host's identifiers, boxed once.
type hostValues struct {
	computer, deviceName, deviceID, agentID any
}

// hv returns the boxed identifiers of h.
func (g *gen) hv(h host) *hostValues {
	if v, ok := g.hostv[h.name]; ok {
		return v
	}
	v := &hostValues{computer: h.computer(), deviceName: lower(h.computer()), deviceID: g.deviceID(h), agentID: g.agentID(h)}
	g.hostv[h.name] = v
	return v
}

// hashOf is fakeHash, memoised.
func (g *gen) hashOf(path string) string {
	if s, ok := g.hashes[path]; ok {
		return s
	}
	s := fakeHash(path)
	g.hashes[path] = s
	return s
}

// wsInfo identifies the fictional Azure tenant and Sentinel workspace.
type wsInfo struct {
	tenantID       string
	subscriptionID string
	resourceGroup  string
	workspaceName  string
	workspaceID    string
}

func newGen(opts Options, emit func(string, map[string]any) error) *gen {
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	scale := opts.Scale
	if scale == 0 {
		scale = 1
	}
	now := opts.Now.UTC().Round(0) // drop any monotonic clock reading
	g := &gen{now: now, start: now.Add(-Window), scale: scale, id: ids{seed}, emit: emit}
	g.ws = wsInfo{
		tenantID:       g.id.guid("tenant"),
		subscriptionID: g.id.guid("subscription"),
		resourceGroup:  "rg-sentinel-demo",
		workspaceName:  "law-contoso-demo",
		workspaceID:    g.id.guid("workspace"),
	}
	g.tenant = g.ws.tenantID
	g.aadResource = "/tenants/" + g.ws.tenantID + "/providers/Microsoft.aadiam"
	g.hierarchy = g.ws.tenantID + "/" + g.ws.subscriptionID
	g.hostv = make(map[string]*hostValues, len(hosts))
	g.hashes = make(map[string]string, 64)
	return g
}

// ago returns the time d before now, kept inside the window.
func (g *gen) ago(d time.Duration) time.Time {
	if d < 0 {
		d = 0
	}
	if d > Window {
		d = Window
	}
	return g.now.Add(-d)
}

// clamp keeps t inside [start, now].
func (g *gen) clamp(t time.Time) time.Time {
	if t.After(g.now) {
		return g.now
	}
	if t.Before(g.start) {
		return g.start
	}
	return t
}

// Identifiers of the tenant's objects, all derived from the seed.

func (g *gen) userObjectID(u user) string { return g.id.guid("user/" + u.sam) }
func (g *gen) deviceID(h host) string     { return g.id.hex("device/"+h.name, 40) }
func (g *gen) agentID(h host) string      { return g.id.guid("agent/" + h.name) }
func (g *gen) appID(name string) string   { return g.id.guid("app/" + name) }

func (g *gen) vmResourceID(h host) string {
	return "/subscriptions/" + g.ws.subscriptionID + "/resourceGroups/rg-workloads/providers/Microsoft.Compute/virtualMachines/" + h.name
}

func (g *gen) rgResourceID(rg string) string {
	return "/subscriptions/" + g.ws.subscriptionID + "/resourceGroups/" + rg
}

func (g *gen) iotHubID() string {
	return g.rgResourceID("rg-ot-sea") + "/providers/Microsoft.Devices/IotHubs/iothub-contoso-ot"
}

func (g *gen) workspaceResourceID() string {
	return g.rgResourceID(g.ws.resourceGroup) + "/providers/Microsoft.OperationalInsights/workspaces/" + g.ws.workspaceName
}

// Small helpers.

func itoa(i int) string     { return strconv.Itoa(i) }
func lower(s string) string { return strings.ToLower(s) }
func strs(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
