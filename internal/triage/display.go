package triage

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// linkedProps returns the properties of the first entity linked under rel
// whose kind is want, or nil.
type linkedProps func(rel string, want Kind) map[string]any

// displayName returns a readable name for an entity: the API's friendlyName
// when present, else a per-kind name. It is never empty.
func displayName(k Kind, key string, p map[string]any, linked linkedProps) string {
	if linked == nil {
		linked = func(string, Kind) map[string]any { return nil }
	}
	n := strings.TrimSpace(kindName(k, key, p, linked))
	if n == "" {
		return string(k)
	}
	return truncate(n, MaxNameLen)
}

// MaxNameLen is the longest display name, in runes. Names hold values a
// person copies (URLs, paths, command lines), so only an extreme one is cut:
// 2048 is about the longest URL browsers and servers take.
const MaxNameLen = 2048

// kindName is displayName's per-kind part; it may return "".
func kindName(k Kind, key string, p map[string]any, linked linkedProps) string {
	if f := str(p, "friendlyName"); f != "" {
		return f
	}
	switch k {
	case KindAccount:
		return accountName(p)
	case KindHost:
		if f := hostFQDN(p); f != "" {
			return f
		}
		if id := str(p, "azureID"); id != "" {
			return lastSegment(id)
		}
		return firstStr(p, "netBiosName", "omsAgentID", "mdatpDeviceId")
	case KindIP:
		if v, ok := normIP(str(p, "address")); ok {
			return v
		}
		return str(p, "address")
	case KindURL:
		return str(p, "url")
	case KindDNS:
		return str(p, "domainName")
	case KindFileHash:
		return hashName(str(p, "algorithm"), str(p, "hashValue"))
	case KindFile:
		if n := str(p, "fileName"); n != "" {
			return n
		}
		if d := str(p, "directory"); d != "" {
			return d
		}
		if h := linked(relFileHashes, KindFileHash); h != nil {
			return "file " + hashName(str(h, "algorithm"), str(h, "hashValue"))
		}
	case KindProcess:
		return processName(p, linked)
	case KindMailbox:
		return firstStr(p, "mailboxPrimaryAddress", "upn", "displayName")
	case KindMailMessage:
		subj := firstStr(p, "subject", "networkMessageId", "internetMessageId")
		if r := str(p, "recipient"); r != "" && subj != "" {
			return subj + " to " + r
		}
		return subj
	case KindMailCluster:
		if ids, ok := p["networkMessageIds"].([]any); ok && len(ids) == 1 {
			return "mail cluster of 1 message"
		} else if ok && len(ids) > 1 {
			return "mail cluster of " + strconv.Itoa(len(ids)) + " messages"
		}
		return joinNonEmpty(" ", "mail cluster", firstStr(p, "source", "clusterSourceIdentifier"))
	case KindSubmissionMail:
		subj := firstStr(p, "subject", "submissionId")
		if r := str(p, "recipient"); r != "" && subj != "" {
			return "submission " + subj + " to " + r
		}
		return joinNonEmpty(" ", "submission", subj)
	case KindCloudApplication:
		if n := str(p, "appName"); n != "" {
			return n
		}
		if id := str(p, "appId"); id != "" {
			return "app " + id
		}
	case KindAzureResource:
		return lastSegment(str(p, "resourceId"))
	case KindMalware:
		return str(p, "malwareName")
	case KindRegistryKey:
		if key := str(p, "key"); key != "" {
			return regPath(str(p, "hive"), key)
		}
	case KindRegistryValue:
		name := str(p, "valueName")
		if name == "" {
			name = "(Default)"
		}
		if kp := linked(relKey, KindRegistryKey); kp != nil && str(kp, "key") != "" {
			return regPath(str(kp, "hive"), str(kp, "key")) + `\` + name
		}
		if key := str(p, "key"); key != "" {
			return regPath(str(p, "hive"), key) + `\` + name
		}
		return name
	case KindSecurityGroup:
		if cn := commonName(str(p, "distinguishedName")); cn != "" {
			return cn
		}
		return firstStr(p, "displayName", "sid", "objectGuid")
	case KindIoTDevice:
		return firstStr(p, "deviceName", "deviceId")
	case KindNic:
		if m := str(p, "macAddress"); m != "" {
			return m
		}
		if ip := linked(relIPAddress, KindIP); ip != nil {
			return str(ip, "address")
		}
		return str(p, "ipAddress")
	case KindNetworkConnection:
		if v := keyValue(k, key); !strings.HasPrefix(v, "#") {
			return v
		}
	case KindLogonSession:
		s := joinNonEmpty(" ", "logon session", str(p, "sessionId"))
		if h := linked(relHost, KindHost); h != nil {
			if hn := kindName(KindHost, "", h, nil); hn != "" {
				s += " on " + hn
			}
		}
		return s
	case KindSecurityAlert:
		return firstStr(p, "alertDisplayName", "displayName", "systemAlertId")
	case KindBookmark:
		return firstStr(p, "displayName", "bookmarkName", "bookmarkId")
	default:
		return firstStr(p, "friendlyName", "FriendlyName", "displayName", "DisplayName", "name", "Name")
	}
	return ""
}

// accountName is the UPN, DOMAIN\name or the name, else an id.
func accountName(p map[string]any) string {
	name, dom, sfx := str(p, "accountName"), str(p, "ntDomain"), str(p, "upnSuffix")
	switch {
	case name != "" && sfx != "" && !strings.Contains(name, "@"):
		return name + "@" + sfx
	case name != "" && dom != "" && !strings.Contains(name, `\`):
		return dom + `\` + name
	case name != "":
		return name
	}
	return firstStr(p, "userPrincipalName", "upn", "displayName", "aadUserId", "sid", "objectGuid", "puid")
}

// processName is "cmd.exe (pid 0x1558)": the image file name, else the first
// word of the command line, with the process id as written.
func processName(p map[string]any, linked linkedProps) string {
	image := ""
	if f := linked(relImageFile, KindFile); f != nil {
		image = str(f, "fileName")
	}
	if image == "" {
		image = commandImage(str(p, "commandLine"))
	}
	if image == "" {
		image = "process"
	}
	if pid := str(p, "processId"); pid != "" {
		return image + " (pid " + pid + ")"
	}
	return image
}

// commandImage returns the base name of a command line's program.
func commandImage(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" {
		return ""
	}
	var prog string
	if cmd[0] == '"' {
		end := strings.IndexByte(cmd[1:], '"')
		if end < 0 {
			prog = cmd[1:]
		} else {
			prog = cmd[1 : end+1]
		}
	} else {
		prog, _, _ = strings.Cut(cmd, " ")
	}
	return lastSegment(strings.ReplaceAll(prog, `\`, "/"))
}

// hashName is "md5 1678dc29219270a9b4a9dbd88a688cc8": the algorithm and the
// whole hash, which people copy into other tools (a cut one finds nothing).
func hashName(alg, value string) string {
	if value == "" {
		return ""
	}
	alg = strings.ToLower(alg)
	if alg == "" || alg == "unknown" {
		alg = "hash"
	}
	return alg + " " + strings.ToLower(value)
}

// commonName returns the first CN= value of a distinguished name.
func commonName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "CN") && v != "" {
			return v
		}
	}
	return ""
}

// lastSegment returns the part of a path after its last '/'.
func lastSegment(s string) string {
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// truncate shortens s to at most n runes, marking the cut with "...".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
