package demo

import (
	"encoding/json"
	"strings"
	"time"
)

// This file is the demo's local threat-intelligence feed: the STIX-based
// ThreatIntelIndicators table. Every malicious indicator of the story is in it,
// with confidences that map to "high" (>= 80) or "warning" (< 80) on the
// msticpy scale; so are indicators that have nothing to do with the story. No
// benign indicator of the story is in it.

// STIX observable keys as ThreatIntelIndicators.ObservableKey spells them.
const (
	obsIPv4   = "ipv4-addr:value"
	obsIPv6   = "ipv6-addr:value"
	obsDomain = "domain-name:value"
	obsURL    = "url:value"
	obsSHA256 = "file:hashes.'SHA-256'"
	obsMD5    = "file:hashes.MD5"
	obsEmail  = "email-addr:value"
)

// feedEntry is one indicator.
type feedEntry struct {
	key        string
	value      string
	confidence int
	name       string
	types      []string // STIX indicator_types
	labels     []string
	age        time.Duration // when the indicator was created, before now
	source     string
	expired    bool // ValidUntil has passed; IsActive false
	deleted    bool // IsDeleted
}

const (
	srcISAC      = "Contoso Demo ISAC (TAXII)"
	srcMDTI      = "Premium Microsoft Defender Threat Intelligence"
	srcAnalyst   = "Microsoft Sentinel"
	srcCommunity = "Example Community Feed"
)

// storyFeed holds the story's malicious indicators.
var storyFeed = []feedEntry{
	{obsIPv4, attackerIP, 90, "Password spray infrastructure (anonymising VPS)", []string{"malicious-activity", "anonymization"}, []string{"password-spray", "vps"}, 12 * day, srcISAC, false, false},
	{obsIPv6, attackerIPv6, 60, "Anonymising VPS (IPv6)", []string{"anonymization"}, []string{"vps"}, 9 * day, srcCommunity, false, false},
	{obsIPv4, c2IP, 85, "FakeUpdate command-and-control server", []string{"malicious-activity"}, []string{"c2", "fakeupdate"}, 11 * day, srcMDTI, false, false},
	{obsDomain, c2Domain, 95, "FakeUpdate command-and-control domain", []string{"malicious-activity"}, []string{"c2", "fakeupdate"}, 11 * day, srcMDTI, false, false},
	{obsURL, phishURL, 75, "Invoice-themed phishing page", []string{"malicious-activity"}, []string{"phishing"}, 3 * day, srcISAC, false, false},
	{obsDomain, phishDomain, 70, "Phishing domain (invoice lure)", []string{"malicious-activity"}, []string{"phishing"}, 3 * day, srcISAC, false, false},
	{obsIPv4, phishHostIP, 45, "Phishing kit hosting", []string{"malicious-activity"}, []string{"phishing", "hosting"}, 3 * day, srcCommunity, false, false},
	{obsURL, payloadURL, 80, "FakeUpdate PowerShell stager", []string{"malicious-activity"}, []string{"stager", "fakeupdate"}, 6 * day, srcMDTI, false, false},
	{obsDomain, payloadDomain, 65, "Malware distribution domain", []string{"malicious-activity"}, []string{"fakeupdate"}, 6 * day, srcCommunity, false, false},
	{obsSHA256, attachmentSHA256, 80, "Invoice-8841.docm macro dropper", []string{"malicious-activity"}, []string{"maldoc"}, 2 * day, srcISAC, false, false},
	{obsMD5, payloadMD5, 55, "FakeUpdate loader (OneDriveUpdater.exe)", []string{"malicious-activity"}, []string{"loader", "fakeupdate"}, 5 * day, srcCommunity, false, false},
	{obsEmail, forwardTo, 65, "Business email compromise drop mailbox", []string{"malicious-activity"}, []string{"bec"}, 4 * day, srcAnalyst, false, false},
}

// unrelatedFeed holds indicators that are not part of the story: scanners that
// do appear in the noise incidents, and entries that appear nowhere.
var unrelatedFeed = []feedEntry{
	{obsIPv4, "203.0.113.101", 40, "SSH scanner", []string{"anomalous-activity"}, []string{"scanner", "ssh"}, 13 * day, srcCommunity, false, false},
	{obsIPv4, "203.0.113.102", 35, "SSH scanner", []string{"anomalous-activity"}, []string{"scanner", "ssh"}, 13 * day, srcCommunity, false, false},
	{obsIPv4, "203.0.113.103", 50, "SSH brute forcer", []string{"anomalous-activity"}, []string{"scanner", "ssh"}, 10 * day, srcCommunity, false, false},
	{obsIPv4, "203.0.113.200", 85, "Cobalt Strike team server", []string{"malicious-activity"}, []string{"c2", "cobalt-strike"}, 8 * day, srcMDTI, false, false},
	{obsIPv4, "203.0.113.201", 70, "Commodity RAT controller", []string{"malicious-activity"}, []string{"c2", "rat"}, 7 * day, srcCommunity, false, false},
	{obsIPv6, "2001:db8:dead::10", 60, "Botnet node (IPv6)", []string{"compromised"}, []string{"botnet"}, 6 * day, srcCommunity, false, false},
	{obsDomain, "secure-login.example", 80, "Credential phishing domain", []string{"malicious-activity"}, []string{"phishing"}, 5 * day, srcISAC, false, false},
	{obsDomain, "cdn-jquery-update.test", 65, "Skimmer script host", []string{"malicious-activity"}, []string{"skimmer"}, 9 * day, srcCommunity, false, false},
	{obsURL, "http://mail-verify.example.org/o365/login.php", 75, "Mailbox verification phishing page", []string{"malicious-activity"}, []string{"phishing"}, 4 * day, srcISAC, false, false},
	{obsSHA256, "da5ffcf6e6cbaeab6499ad8e76ef80ea43339ddef4b412fd25b93cf871bcec7e", 90, "Ransomware encryptor", []string{"malicious-activity"}, []string{"ransomware"}, 12 * day, srcMDTI, false, false},
	{obsMD5, "0b55ee8785533a3dc2ee1a9472cda448", 50, "Keylogger", []string{"malicious-activity"}, []string{"keylogger"}, 11 * day, srcCommunity, false, false},
	{obsEmail, "ceo-office@example.com", 60, "CEO fraud sender", []string{"malicious-activity"}, []string{"bec"}, 2 * day, srcAnalyst, false, false},
	{obsIPv4, "203.0.113.210", 40, "Retired scanner", []string{"anomalous-activity"}, []string{"scanner"}, 13*day + 12*hour, srcCommunity, true, false},
	{obsDomain, "old-campaign.example.net", 55, "Withdrawn indicator", []string{"malicious-activity"}, []string{"phishing"}, 13 * day, srcISAC, false, true},
}

// threatIntel writes the feed.
func (g *gen) threatIntel() error {
	all := append(append([]feedEntry(nil), storyFeed...), unrelatedFeed...)
	for _, f := range all {
		if err := g.emit(TableThreatIntelIndicators, g.indicatorRow(f)); err != nil {
			return err
		}
	}
	return nil
}

// stixPattern is the STIX 2.1 pattern of an observation.
func stixPattern(key, value string) string {
	return "[" + key + " = '" + strings.ReplaceAll(value, "'", `\'`) + "']"
}

func (g *gen) indicatorRow(f feedEntry) map[string]any {
	created := g.ago(f.age)
	modified := g.clamp(created.Add(time.Duration(1+g.id.num("ti/mod/"+f.value, 48)) * time.Hour))
	validUntil := created.Add(90 * day)
	active := true
	if f.expired {
		validUntil = g.ago(f.age - 12*hour)
		active = false
	}
	if f.deleted {
		active = false
	}
	stixID := "indicator--" + g.id.guid("ti/"+f.value)
	pattern := stixPattern(f.key, f.value)
	tags := make([]any, 0, len(f.labels)+1)
	for _, l := range f.labels {
		tags = append(tags, l)
	}
	method := "TAXII"
	switch f.source {
	case srcAnalyst:
		method = "UploadIndicatorsAPI"
	case srcMDTI:
		method = "MDTI"
	}
	killChain := "command-and-control"
	switch {
	case strings.Contains(f.name, "hishing"):
		killChain = "delivery"
	case strings.Contains(f.name, "scanner") || strings.Contains(f.name, "brute"):
		killChain = "reconnaissance"
	case f.key == obsSHA256 || f.key == obsMD5:
		killChain = "installation"
	}
	data := map[string]any{
		"type":            "indicator",
		"spec_version":    "2.1",
		"id":              stixID,
		"created":         created.Format(time.RFC3339Nano),
		"modified":        modified.Format(time.RFC3339Nano),
		"created_by_ref":  "identity--" + g.id.guid("ti/source/"+f.source),
		"name":            f.name,
		"description":     f.name + " (" + f.source + ").",
		"indicator_types": strs(f.types...),
		"pattern":         pattern,
		"pattern_type":    "stix",
		"pattern_version": "2.1",
		"valid_from":      created.Format(time.RFC3339Nano),
		"valid_until":     validUntil.Format(time.RFC3339Nano),
		"labels":          strs(f.labels...),
		"confidence":      int64(f.confidence),
		"lang":            "en",
		"revoked":         f.deleted,
		"kill_chain_phases": []any{map[string]any{
			"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": killChain,
		}},
		"external_references": []any{},
	}
	return map[string]any{
		"TenantId":         g.ws.tenantID,
		"TimeGenerated":    modified,
		"WorkspaceId":      g.ws.workspaceID,
		"Id":               stixID,
		"SourceSystem":     f.source,
		"Created":          created,
		"Modified":         modified,
		"ObservableKey":    f.key,
		"ObservableValue":  f.value,
		"Pattern":          pattern,
		"Confidence":       int64(f.confidence),
		"IsActive":         active,
		"IsDeleted":        f.deleted,
		"ValidFrom":        created,
		"ValidUntil":       validUntil,
		"Tags":             tagsText(tags), // a string column holding a JSON array
		"LastUpdateMethod": method,
		"AdditionalFields": map[string]any{"TLPLevel": "amber", "Source": f.source},
		"Data":             data,
		"Type":             "ThreatIntelIndicators",
	}
}

// tagsText renders tags as the JSON array text Log Analytics stores in the
// ThreatIntelIndicators Tags column.
func tagsText(tags []any) string {
	b, err := json.Marshal(tags)
	if err != nil {
		return "[]"
	}
	return string(b)
}
