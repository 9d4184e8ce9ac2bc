package triage

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// linkValues returns the key values (the part after "Kind:") of the entities
// linked under rel whose kind is want. A nil linkValues means no links.
type linkValues func(rel string, want Kind) []string

// NewEntity builds an entity of the given kind from properties named as the
// incident-entities API names them (camelCase) and computes its Key and Name.
// The properties map is copied. An entity whose identity property is missing
// still gets a key, its kind followed by ":#" and a short hash of its
// canonical properties, and the error names the missing property. Properties
// that link to other entities (processes' hosts, files' hashes) cannot be
// followed here, so keys that depend on them use only the properties given.
func NewEntity(kind Kind, props map[string]any) (Entity, error) {
	if kind == "" {
		kind = "Unknown"
	}
	p := make(map[string]any, len(props))
	for k, v := range props {
		p[k] = v
	}
	key, err := entityKey(kind, p, nil)
	e := Entity{Kind: kind, Key: key, Properties: p}
	e.Name = displayName(kind, key, p, nil)
	return e, err
}

// entityKey computes the identity key of an entity.
func entityKey(k Kind, p map[string]any, links linkValues) (string, error) {
	if links == nil {
		links = func(string, Kind) []string { return nil }
	}
	v, err := identity(k, p, links)
	if v == "" {
		return fallbackKey(k, p), err
	}
	return string(k) + ":" + v, err
}

// fallbackKey is the key of an entity without identity: its kind, ":#" and a
// short hash of its canonical properties (links to other entities excluded).
func fallbackKey(k Kind, p map[string]any) string {
	h := make(map[string]any, len(p))
	for name, v := range p {
		if !isEntityLike(v) {
			h[name] = v
		}
	}
	return string(k) + ":#" + shortHash(canonical(h), 12)
}

// keyValue strips the "Kind:" prefix from a key.
func keyValue(k Kind, key string) string {
	return strings.TrimPrefix(key, string(k)+":")
}

// missing is the error for an entity without its identity property.
func missing(k Kind, field string) error {
	return fmt.Errorf("%s entity without %s: keyed by a hash of its properties", strings.ToLower(string(k)), field)
}

// identity returns the normalised identity value of an entity ("" when it has
// none) and an error when the identity is missing or malformed.
func identity(k Kind, p map[string]any, links linkValues) (string, error) {
	first := func(rel string, want Kind) string {
		if vs := links(rel, want); len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	switch k {
	case KindIP:
		a := str(p, "address")
		if a == "" {
			return "", missing(k, "address")
		}
		if v, ok := normIP(a); ok {
			return v, nil
		}
		return strings.ToLower(a), fmt.Errorf("ip entity: invalid address %q", a)
	case KindURL:
		if u := str(p, "url"); u != "" {
			return normURL(u), nil
		}
		return "", missing(k, "url")
	case KindDNS:
		if d := strings.TrimSuffix(strings.ToLower(str(p, "domainName")), "."); d != "" {
			return d, nil
		}
		return "", missing(k, "domainName")
	case KindFileHash:
		if h := strings.ToLower(strings.Join(strings.Fields(str(p, "hashValue")), "")); h != "" {
			return h, nil
		}
		return "", missing(k, "hashValue")
	case KindFile:
		return fileIdentity(p, links(relFileHashes, KindFileHash))
	case KindAccount:
		return accountIdentity(p)
	case KindHost:
		return hostIdentity(p)
	case KindMailbox:
		if v := strings.ToLower(firstStr(p, "mailboxPrimaryAddress", "upn", "externalDirectoryObjectId")); v != "" {
			return v, nil
		}
		return "", missing(k, "mailboxPrimaryAddress")
	case KindMailMessage:
		id := strings.ToLower(firstStr(p, "networkMessageId", "internetMessageId"))
		if id == "" {
			return "", missing(k, "networkMessageId")
		}
		return joinNonEmpty("|", id, strings.ToLower(str(p, "recipient"))), nil
	case KindMailCluster:
		return mailClusterIdentity(p)
	case KindSubmissionMail:
		id := strings.ToLower(str(p, "submissionId"))
		if id == "" {
			return "", missing(k, "submissionId")
		}
		return joinNonEmpty("|", id, strings.ToLower(str(p, "recipient"))), nil
	case KindCloudApplication:
		if id := str(p, "appId"); id != "" {
			return strings.ToLower(id), nil
		}
		if n := strings.ToLower(str(p, "appName")); n != "" {
			return n, nil
		}
		return "", missing(k, "appId")
	case KindAzureResource:
		if id := strings.TrimSuffix(strings.ToLower(str(p, "resourceId")), "/"); id != "" {
			return id, nil
		}
		return "", missing(k, "resourceId")
	case KindMalware:
		if n := strings.ToLower(str(p, "malwareName")); n != "" {
			return n, nil
		}
		return "", missing(k, "malwareName")
	case KindRegistryKey:
		if key := str(p, "key"); key != "" {
			return strings.ToLower(regPath(str(p, "hive"), key)), nil
		}
		return "", missing(k, "key")
	case KindRegistryValue:
		keyPath := first(relKey, KindRegistryKey)
		if keyPath == "" && str(p, "key") != "" {
			keyPath = strings.ToLower(regPath(str(p, "hive"), str(p, "key")))
		}
		if keyPath == "" {
			return "", missing(k, "key")
		}
		return keyPath + `\` + strings.ToLower(str(p, "valueName")), nil
	case KindSecurityGroup:
		if sid := strings.ToUpper(str(p, "sid")); sid != "" {
			return sid, nil
		}
		if v := strings.ToLower(firstStr(p, "objectGuid", "distinguishedName", "securityGroupId")); v != "" {
			return v, nil
		}
		return "", missing(k, "sid")
	case KindIoTDevice:
		if v := strings.ToLower(firstStr(p, "deviceId", "iotSecurityAgentId")); v != "" {
			return v, nil
		}
		return "", missing(k, "deviceId")
	case KindNic:
		if mac := normMAC(str(p, "macAddress")); mac != "" {
			return mac, nil
		}
		if ip := first(relIPAddress, KindIP); ip != "" {
			return ip, nil
		}
		if ip, ok := normIP(str(p, "ipAddress")); ok {
			return ip, nil
		}
		return "", missing(k, "macAddress")
	case KindNetworkConnection:
		return connIdentity(p, first)
	case KindProcess:
		return processIdentity(p, first)
	case KindLogonSession:
		sid := strings.ToLower(str(p, "sessionId"))
		if sid == "" {
			return "", missing(k, "sessionId")
		}
		// Not the start time: SecurityAlert entities give the alert's event time
		// there, so one session would become one entity per alert.
		return first(relHost, KindHost) + "|" + sid, nil
	case KindSecurityAlert:
		if id := strings.ToLower(str(p, "systemAlertId")); id != "" {
			return id, nil
		}
		return "", missing(k, "systemAlertId")
	case KindBookmark:
		if v := strings.ToLower(firstStr(p, "bookmarkId", "displayName")); v != "" {
			return v, nil
		}
		return "", missing(k, "displayName")
	}
	return "", nil // unknown kinds are keyed by a hash of their properties
}

// The link relations that identities depend on.
const (
	relHost       = "host"
	relImageFile  = "imageFile"
	relFileHashes = "fileHashes"
	relKey        = "key"
	relIPAddress  = "ipAddress"
	relSource     = "sourceAddress"
	relDest       = "destinationAddress"
)

// keyDeps lists, per kind, the relations whose targets its key depends on and
// the kind each target must have. Only targets of these kinds are followed;
// the kinds form a chain without cycles (Process -> File -> FileHash), so key
// computation cannot loop.
var keyDeps = map[Kind]map[string]Kind{
	KindProcess:           {relHost: KindHost, relImageFile: KindFile},
	KindLogonSession:      {relHost: KindHost},
	KindFile:              {relFileHashes: KindFileHash},
	KindRegistryValue:     {relKey: KindRegistryKey},
	KindNic:               {relIPAddress: KindIP},
	KindNetworkConnection: {relSource: KindIP, relDest: KindIP},
}

// accountIdentity picks the account's identity. Name-based identities come
// first so that the same account merges whether or not an alert also gives its
// SID or Entra ID object id: UPN (accountName@upnSuffix, or an accountName
// that contains '@'), then ntDomain\accountName, then aadUserId, sid,
// objectGuid, and finally the bare accountName.
func accountIdentity(p map[string]any) (string, error) {
	name, dom := str(p, "accountName"), str(p, "ntDomain")
	if i := strings.IndexByte(name, '\\'); i > 0 && dom == "" {
		dom, name = name[:i], name[i+1:]
	}
	switch {
	case strings.Contains(name, "@"):
		return strings.ToLower(name), nil
	case name != "" && str(p, "upnSuffix") != "":
		return strings.ToLower(name + "@" + str(p, "upnSuffix")), nil
	case name == "" && strings.Contains(firstStr(p, "userPrincipalName", "upn"), "@"):
		return strings.ToLower(firstStr(p, "userPrincipalName", "upn")), nil
	case name != "" && dom != "":
		return strings.ToLower(dom + `\` + name), nil
	}
	if v := strings.ToLower(str(p, "aadUserId")); v != "" {
		return v, nil
	}
	if v := strings.ToUpper(str(p, "sid")); v != "" {
		return v, nil
	}
	if v := strings.ToLower(str(p, "objectGuid")); v != "" {
		return v, nil
	}
	if name != "" {
		return strings.ToLower(name), nil
	}
	if v := strings.ToLower(str(p, "puid")); v != "" {
		return v, nil
	}
	return "", missing(KindAccount, "accountName")
}

// hostIdentity is the FQDN, else the host name, else the Azure resource id,
// else the agent or device id.
func hostIdentity(p map[string]any) (string, error) {
	if f := hostFQDN(p); f != "" {
		return strings.ToLower(f), nil
	}
	if v := strings.ToLower(firstStr(p, "azureID", "omsAgentID", "mdatpDeviceId", "netBiosName")); v != "" {
		return v, nil
	}
	return "", missing(KindHost, "hostName")
}

// hostFQDN returns fqdn, hostName.dnsDomain or hostName as written.
func hostFQDN(p map[string]any) string {
	if f := strings.TrimSuffix(str(p, "fqdn"), "."); f != "" {
		return f
	}
	h := strings.TrimSuffix(str(p, "hostName"), ".")
	if h == "" {
		return ""
	}
	d := strings.Trim(str(p, "dnsDomain"), ".")
	if d == "" || strings.Contains(h, ".") {
		return h
	}
	return h + "." + d
}

// fileIdentity is the lower-cased full path; without a directory, the file
// name followed by the values of its linked hashes.
func fileIdentity(p map[string]any, hashes []string) (string, error) {
	name, dir := str(p, "fileName"), str(p, "directory")
	hs := sortedUnique(hashes)
	switch {
	case name != "" && dir != "":
		return strings.ToLower(filePath(dir, name)), nil
	case name != "":
		return joinNonEmpty("|", strings.ToLower(name), strings.Join(hs, ",")), nil
	case len(hs) > 0:
		return "|" + strings.Join(hs, ","), nil
	}
	return "", missing(KindFile, "fileName")
}

// filePath joins a directory and a file name with the directory's separator.
func filePath(dir, name string) string {
	sep := `\`
	if strings.Contains(dir, "/") && !strings.Contains(dir, `\`) {
		sep = "/"
	}
	return strings.TrimRight(dir, `\/`) + sep + name
}

// processIdentity is host|pid|creation time; without a creation time PIDs are
// reused, so the image file path and the command line are added.
func processIdentity(p map[string]any, first func(string, Kind) string) (string, error) {
	host := first(relHost, KindHost)
	pid := normPID(str(p, "processId"))
	t := normTime(str(p, "creationTimeUtc"))
	image := first(relImageFile, KindFile)
	cmd := str(p, "commandLine")
	if pid == "" && t == "" && image == "" && cmd == "" {
		return "", missing(KindProcess, "processId")
	}
	v := host + "|" + pid + "|" + t
	if t == "" {
		if len(cmd) > 64 {
			cmd = "cmd#" + shortHash(cmd, 16)
		}
		v += "|" + image + "|" + cmd
	}
	return v, nil
}

// connIdentity is source ip:port -> destination ip:port/protocol.
func connIdentity(p map[string]any, first func(string, Kind) string) (string, error) {
	addr := func(rel string) string {
		if v := first(rel, KindIP); v != "" {
			return v
		}
		if v, ok := normIP(str(p, rel)); ok {
			return v
		}
		return strings.ToLower(str(p, rel))
	}
	src, dst := addr(relSource), addr(relDest)
	if src == "" && dst == "" {
		return "", missing(KindNetworkConnection, relSource)
	}
	v := hostPort(src, str(p, "sourcePort")) + "->" + hostPort(dst, str(p, "destinationPort"))
	if proto := strings.ToLower(str(p, "protocol")); proto != "" {
		v += "/" + proto
	}
	return v, nil
}

// mailClusterIdentity is the sorted message ids, else the cluster query.
func mailClusterIdentity(p map[string]any) (string, error) {
	var ids []string
	switch v := p["networkMessageIds"].(type) {
	case []any:
		for _, x := range v {
			if s, ok := scalarString(x); ok && strings.TrimSpace(s) != "" {
				ids = append(ids, strings.ToLower(strings.TrimSpace(s)))
			}
		}
	case []string:
		for _, s := range v {
			if strings.TrimSpace(s) != "" {
				ids = append(ids, strings.ToLower(strings.TrimSpace(s)))
			}
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			if strings.TrimSpace(s) != "" {
				ids = append(ids, strings.ToLower(strings.TrimSpace(s)))
			}
		}
	}
	if len(ids) > 0 {
		v := strings.Join(sortedUnique(ids), ",")
		if len(v) > 200 {
			v = "ids#" + shortHash(v, 16)
		}
		return v, nil
	}
	if q := str(p, "query"); q != "" {
		if len(q) > 200 {
			q = "query#" + shortHash(q, 16)
		}
		return q, nil
	}
	return "", missing(KindMailCluster, "networkMessageIds")
}

// normIP returns the canonical text of an address or prefix: IPv4-mapped IPv6
// unmapped, zone dropped, prefixes masked.
func normIP(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.WithZone("").Unmap().String(), true
	}
	if pfx, err := netip.ParsePrefix(s); err == nil {
		return pfx.Masked().String(), true
	}
	return "", false
}

// normURL lower-cases a URL's scheme and host, keeping the rest as written,
// and drops a lone trailing "/".
func normURL(u string) string {
	i := strings.Index(u, "://")
	if i <= 0 {
		return u
	}
	rest := u[i+3:]
	j := strings.IndexAny(rest, "/?#")
	if j < 0 {
		j = len(rest)
	}
	tail := rest[j:]
	if tail == "/" {
		tail = ""
	}
	return strings.ToLower(u[:i]) + "://" + strings.ToLower(rest[:j]) + tail
}

// normPID returns a hex ("0x1558") or decimal process id in decimal.
func normPID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		if n, err := strconv.ParseUint(h, 16, 64); err == nil {
			return strconv.FormatUint(n, 10)
		}
	} else if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return strconv.FormatUint(n, 10)
	}
	return s
}

// normMAC returns a MAC address as lower-case colon-separated pairs.
func normMAC(s string) string {
	var hex []rune
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			hex = append(hex, r)
		case r == ':', r == '-', r == '.', r == ' ':
		default:
			return strings.ToLower(strings.TrimSpace(s))
		}
	}
	if len(hex) != 12 {
		return strings.ToLower(strings.TrimSpace(s))
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(string(hex[i : i+2]))
	}
	return b.String()
}

// hives maps registry hive names and abbreviations to their full names.
var hives = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
	"HKCU": "HKEY_CURRENT_USER", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
	"HKCR": "HKEY_CLASSES_ROOT", "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKEY_USERS": "HKEY_USERS",
	"HKCC": "HKEY_CURRENT_CONFIG", "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
	"HKPD": "HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_DATA": "HKEY_PERFORMANCE_DATA",
}

// regPath returns hive\key with the hive spelled in full; a key that already
// starts with a hive keeps it.
func regPath(hive, key string) string {
	key = strings.Trim(strings.TrimSpace(key), `\`)
	head, rest, _ := strings.Cut(key, `\`)
	if full, ok := hives[strings.ToUpper(head)]; ok {
		return joinNonEmpty(`\`, full, rest)
	}
	hive = strings.TrimSpace(hive)
	if full, ok := hives[strings.ToUpper(hive)]; ok {
		hive = full
	}
	return joinNonEmpty(`\`, hive, key)
}

// hostPort joins an address and a port, bracketing IPv6 addresses.
func hostPort(ip, port string) string {
	if port == "" {
		return ip
	}
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return ip + ":" + port
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// sortedUnique returns the distinct values of s in ascending order.
func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	n := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[n-1] {
			out[n] = out[i]
			n++
		}
	}
	return out[:n]
}

// HostNames are the names a host entity goes by, in lower case and without
// trailing dots: what the summaries look a host up by and what lists of
// hosts are matched against.
type HostNames struct {
	// FQDN is fqdn, else hostName when it has a domain, else
	// hostName.dnsDomain; "" when none is known.
	FQDN string
	// Short is the first label of hostName, else of the FQDN, else the
	// NetBIOS name.
	Short string
	// NetBIOS is netBiosName.
	NetBIOS string
}

// HostNames returns the names of a host entity (any kind has them, empty).
func (e Entity) HostNames() HostNames {
	prop := func(k string) string { return strings.Trim(strings.ToLower(strings.TrimSpace(e.Prop(k))), ".") }
	name, fqdn, dom, nb := prop("hostName"), prop("fqdn"), prop("dnsDomain"), prop("netBiosName")
	switch {
	case fqdn != "":
	case strings.Contains(name, "."):
		fqdn = name
	case name != "" && dom != "":
		fqdn = name + "." + dom
	}
	short := name
	if short == "" {
		short = fqdn
	}
	if short == "" {
		short = nb
	}
	return HostNames{FQDN: fqdn, Short: ShortHost(short), NetBIOS: nb}
}

// ShortHost is a host name's first label, in lower case.
func ShortHost(h string) string {
	h, _, _ = strings.Cut(strings.ToLower(h), ".")
	return h
}
