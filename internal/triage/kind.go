package triage

import "strings"

// kindNames maps a folded spelling (lower case, without '-', '_' or spaces)
// to its Kind. The API kinds fold onto themselves through KnownKinds; this
// table adds the SecurityAlert.Entities spellings and a few synonyms.
var kindNames = map[string]Kind{
	"account":           KindAccount,
	"user":              KindAccount,
	"host":              KindHost,
	"machine":           KindHost,
	"ip":                KindIP,
	"ipaddress":         KindIP,
	"url":               KindURL,
	"dns":               KindDNS,
	"dnsresolution":     KindDNS,
	"filehash":          KindFileHash,
	"hash":              KindFileHash,
	"file":              KindFile,
	"process":           KindProcess,
	"mailbox":           KindMailbox,
	"mailmessage":       KindMailMessage,
	"mailcluster":       KindMailCluster,
	"submissionmail":    KindSubmissionMail,
	"cloudapplication":  KindCloudApplication,
	"cloudapp":          KindCloudApplication,
	"azureresource":     KindAzureResource,
	"malware":           KindMalware,
	"registrykey":       KindRegistryKey,
	"registryvalue":     KindRegistryValue,
	"securitygroup":     KindSecurityGroup,
	"iotdevice":         KindIoTDevice,
	"nic":               KindNic,
	"networkconnection": KindNetworkConnection,
	"hostlogonsession":  KindLogonSession,
	"logonsession":      KindLogonSession,
	"securityalert":     KindSecurityAlert,
	"alert":             KindSecurityAlert,
	"bookmark":          KindBookmark,
	"huntingbookmark":   KindBookmark,
}

// foldKind lower-cases s and drops '-', '_' and white space.
func foldKind(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case '-', '_', ' ', '\t', '\n', '\r':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseKind maps any spelling of an entity type to a Kind: the incident
// entities API kinds ("Ip", "DnsResolution"), the SecurityAlert.Entities types
// ("ip", "dns", "host-logon-session", "network-connection", "mailMessage",
// "MailCluster", ...), compared case-insensitively and ignoring '-', '_' and
// spaces. A type it does not know is returned as written, trimmed; an empty
// type is returned as "Unknown", never "".
func ParseKind(s string) Kind {
	s = strings.TrimSpace(s)
	if k, ok := kindNames[foldKind(s)]; ok {
		return k
	}
	for _, k := range KnownKinds {
		if foldKind(string(k)) == foldKind(s) {
			return k
		}
	}
	if s == "" {
		return "Unknown"
	}
	return Kind(s)
}

// IsKnown reports whether k is one of KnownKinds.
func (k Kind) IsKnown() bool { return kindRank(k) < len(KnownKinds) }

// kindRank is k's position in KnownKinds, or len(KnownKinds) when unknown.
func kindRank(k Kind) int {
	for i, known := range KnownKinds {
		if k == known {
			return i
		}
	}
	return len(KnownKinds)
}
