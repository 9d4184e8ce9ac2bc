package triage

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// graphEvidencePrefix starts the @odata.type of every evidence item of a
// Microsoft Graph security alert.
const graphEvidencePrefix = "#microsoft.graph.security."

// ParseGraphEvidence parses the evidence of one Microsoft Graph security
// alert (alert.evidence: a list of items typed by "@odata.type", such as
// "#microsoft.graph.security.ipEvidence") into entities, the third wire
// format beside the incident-entities API and SecurityAlert.Entities.
//
// Each evidence type of graphEvidenceMapped becomes the entity kind the
// Sentinel formats use for the same thing, its properties renamed onto the
// incident-entities API's names, so that the same device, user, file,
// address or URL gets the same Key from every format. Nested evidence is
// flattened into entities of their own, linked with the relations the
// other formats use: a process's "host", "account", "imageFile" and
// "parentProcess", a file's "fileHashes" (one FileHash per hash given), a
// connection's "sourceAddress" and "destinationAddress". A process, file or
// registry value names its device by Defender's device id: it is linked as
// "host" to the device evidence of the same alert with that id, and keeps
// the id as a property when the alert has no such device. Defender's
// verdict, remediation status, roles and the rest of the common evidence
// properties stay on the entity the evidence became (see EvidenceVerdict).
//
// Every other evidence type (graphEvidenceKeptWhole, and any type a later
// schema adds) is kept whole as an entity of its own kind, the type's name
// ("kubernetesPodEvidence"), as unknown kinds are kept by the other parsers.
// Entities with the same key are merged; the order is that of the list.
// Malformed items and values of the wrong JSON type are Problems naming
// where they are, and the rest is still parsed. It never panics.
func ParseGraphEvidence(data []byte, where string) ([]Entity, []Problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, []Problem{{Where: where, What: "evidence is not valid JSON: " + err.Error()}}
	}
	var elems []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		elems = t
	default:
		return nil, []Problem{{Where: where, What: fmt.Sprintf("evidence is a %s, not a list", jsonType(v))}}
	}
	p := &evidenceParser{devices: map[string]int{}}
	for i, e := range elems {
		w := where + "[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			p.problem(w, "element is a %s, not an evidence object", jsonType(e))
			continue
		}
		typ, isText := m["@odata.type"].(string)
		name := evidenceTypeName(typ)
		switch {
		case !isText && m["@odata.type"] != nil:
			p.problem(w, "@odata.type is a %s, not a type name; skipped", jsonType(m["@odata.type"]))
			continue
		case strings.TrimSpace(name) == "":
			p.problem(w, "evidence without @odata.type; skipped")
			continue
		}
		p.evidence(name, m, w+" ("+name+")")
	}
	p.linkHosts()
	ents, kp := p.g.finish()
	return ents, capProblems(append(p.probs, kp...), where)
}

// evidenceTypeName is the evidence type an @odata.type names, with or
// without its namespace and '#'; a mapped type is matched in any case and
// spelled as the schema spells it.
func evidenceTypeName(odataType string) string {
	name := strings.TrimPrefix(strings.TrimSpace(odataType), "#")
	name = strings.TrimPrefix(name, strings.TrimPrefix(graphEvidencePrefix, "#"))
	for _, t := range graphEvidenceMapped {
		if strings.EqualFold(t, name) {
			return t
		}
	}
	return name
}

// graphEvidenceMapped are the evidence types that become entities of the
// model's kinds (evidenceParser.evidence). A test checks that with
// graphEvidenceKeptWhole they name every type the v1.0 schema derives from
// alertEvidence.
var graphEvidenceMapped = []string{
	"analyzedMessageEvidence", "azureResourceEvidence", "cloudApplicationEvidence",
	"deviceEvidence", "dnsEvidence", "fileEvidence", "fileHashEvidence",
	"hostLogonSessionEvidence", "ioTDeviceEvidence", "ipEvidence",
	"mailClusterEvidence", "mailboxEvidence", "malwareEvidence",
	"networkConnectionEvidence", "nicEvidence", "oauthApplicationEvidence",
	"processEvidence", "registryKeyEvidence", "registryValueEvidence",
	"securityGroupEvidence", "servicePrincipalEvidence", "submissionMailEvidence",
	"urlEvidence", "userEvidence",
}

// graphEvidenceKeptWhole are the evidence types deliberately kept whole, as
// an unknown kind: the model has no kind for them (cloud resources,
// containers, source repositories, Teams messages, AI agents, cloud logon
// sessions, a mailbox's configuration), so nothing of them would merge
// with a Sentinel entity; their text is still searched for indicators.
var graphEvidenceKeptWhole = []string{
	"activeDirectoryDomainEvidence", "aiAgentEvidence", "amazonResourceEvidence",
	"blobContainerEvidence", "blobEvidence", "cloudLogonRequestEvidence",
	"cloudLogonSessionEvidence", "containerEvidence", "containerImageEvidence",
	"containerRegistryEvidence", "gitHubOrganizationEvidence", "gitHubRepoEvidence",
	"gitHubUserEvidence", "googleCloudResourceEvidence", "kubernetesClusterEvidence",
	"kubernetesControllerEvidence", "kubernetesNamespaceEvidence",
	"kubernetesPodEvidence", "kubernetesSecretEvidence",
	"kubernetesServiceAccountEvidence", "kubernetesServiceEvidence",
	"mailboxConfigurationEvidence", "sasTokenEvidence", "teamsMessageEvidence",
}

// evidenceParser builds the entity graph of one alert's evidence.
type evidenceParser struct {
	g     graph
	probs []Problem
	// devices maps a device's Defender id (lower case) to its node, and
	// hosts are the nodes that name a device by that id, linked once every
	// item is read (a device may come after the process on it).
	devices map[string]int
	hosts   []hostRef
}

// hostRef is a node that names its device by Defender's device id.
type hostRef struct {
	node int
	id   string
}

func (p *evidenceParser) problem(where, format string, args ...any) {
	p.probs = append(p.probs, Problem{Where: where, What: fmt.Sprintf(format, args...)})
}

// evidence adds the entities of one evidence item of the named type and
// returns the index of the node the item itself became. Nested items are
// read as the type the schema gives their property, whatever they say.
func (p *evidenceParser) evidence(typ string, m map[string]any, w string) int {
	switch typ {
	case "ipEvidence":
		return p.ip(m, w)
	case "urlEvidence":
		return p.entity(KindURL, m, w, nil)
	case "userEvidence":
		i := p.entity(KindAccount, m, w, nil, "userAccount")
		if ua := p.object(m, "userAccount", w, i); ua != nil {
			p.account(p.g.nodes[i], ua, w+".userAccount")
		}
		return i
	case "servicePrincipalEvidence":
		return p.entity(KindAccount, m, w, map[string]string{
			"servicePrincipalName": "accountName", "servicePrincipalObjectId": "aadUserId", "tenantId": "aadTenantId"})
	case "deviceEvidence":
		return p.device(m, w)
	case "fileEvidence":
		i := p.entity(KindFile, m, w, nil, "fileDetails")
		if fd := p.object(m, "fileDetails", w, i); fd != nil {
			p.fileDetails(i, fd, w+".fileDetails")
		}
		p.onDevice(i, m)
		return i
	case "fileHashEvidence":
		i := p.entity(KindFileHash, m, w, map[string]string{"value": "hashValue"})
		if a, ok := m["algorithm"].(string); ok {
			p.g.nodes[i].props["algorithm"] = strings.ToUpper(a)
		}
		return i
	case "processEvidence":
		return p.process(m, w)
	case "mailboxEvidence":
		i := p.entity(KindMailbox, m, w, map[string]string{"primaryAddress": "mailboxPrimaryAddress"}, "userAccount")
		if ua := p.object(m, "userAccount", w, i); ua != nil {
			p.link(i, "account", p.accountNode(ua, w+".userAccount"))
		}
		return i
	case "analyzedMessageEvidence":
		return p.message(m, w)
	case "mailClusterEvidence":
		return p.entity(KindMailCluster, m, w, map[string]string{"emailCount": "mailCount"})
	case "submissionMailEvidence":
		return p.entity(KindSubmissionMail, m, w, map[string]string{"submissionDateTime": "submissionDate"})
	case "cloudApplicationEvidence", "oauthApplicationEvidence":
		return p.entity(KindCloudApplication, m, w, map[string]string{"displayName": "appName"})
	case "registryKeyEvidence":
		return p.entity(KindRegistryKey, m, w, map[string]string{"registryHive": "hive", "registryKey": "key"})
	case "registryValueEvidence":
		return p.registryValue(m, w)
	case "azureResourceEvidence":
		return p.entity(KindAzureResource, m, w, nil)
	case "securityGroupEvidence":
		return p.entity(KindSecurityGroup, m, w, map[string]string{"activeDirectoryObjectGuid": "objectGuid"})
	case "dnsEvidence":
		i := p.entity(KindDNS, m, w, nil, "dnsServerIp", "hostIpAddress", "ipAddresses")
		p.nested(i, m, w, "dnsServerIp", "ipEvidence", "dnsServerIp")
		p.nested(i, m, w, "hostIpAddress", "ipEvidence", "hostIpAddress")
		p.nestedList(i, m, w, "ipAddresses", "ipEvidence", "ipAddresses")
		return i
	case "malwareEvidence":
		i := p.entity(KindMalware, m, w, map[string]string{"name": "malwareName"}, "files", "processes")
		p.nestedList(i, m, w, "files", "fileEvidence", "files")
		p.nestedList(i, m, w, "processes", "processEvidence", "processes")
		return i
	case "ioTDeviceEvidence":
		i := p.entity(KindIoTDevice, m, w, map[string]string{"ioTSecurityAgentId": "iotSecurityAgentId", "manufacturer": "vendor"},
			"ioTHub", "ipAddress", "nics", "sourceRef")
		p.nested(i, m, w, "ioTHub", "azureResourceEvidence", "iotHub")
		p.nested(i, m, w, "ipAddress", "ipEvidence", "ipAddress")
		p.nestedList(i, m, w, "nics", "nicEvidence", "nics")
		p.nested(i, m, w, "sourceRef", "urlEvidence", "sourceRef")
		return i
	case "nicEvidence":
		i := p.entity(KindNic, m, w, nil, "ipAddress")
		p.nested(i, m, w, "ipAddress", "ipEvidence", "ipAddress")
		return i
	case "networkConnectionEvidence":
		i := p.entity(KindNetworkConnection, m, w, nil, "sourceAddress", "destinationAddress")
		p.nested(i, m, w, "sourceAddress", "ipEvidence", relSource)
		p.nested(i, m, w, "destinationAddress", "ipEvidence", relDest)
		return i
	case "hostLogonSessionEvidence":
		i := p.entity(KindLogonSession, m, w, map[string]string{"startUtcDateTime": "startTimeUtc", "endUtcDateTime": "endTimeUtc"},
			"host", "account")
		p.nested(i, m, w, "host", "deviceEvidence", relHost)
		p.nested(i, m, w, "account", "userEvidence", "account")
		return i
	}
	return p.whole(Kind(typ), m, w)
}

// ip adds the Ip node of an ipEvidence. Its country code goes into its
// location, where Sentinel's address entities have it and the address
// summary reads it when no GeoIP database knows the address.
func (p *evidenceParser) ip(m map[string]any, w string) int {
	i := p.entity(KindIP, m, w, map[string]string{"ipAddress": "address"})
	cc, ok := m["countryLetterCode"].(string)
	if !ok || strings.TrimSpace(cc) == "" {
		return i
	}
	n := p.g.nodes[i]
	loc := map[string]any{}
	switch l := n.props["location"].(type) {
	case nil:
	case map[string]any:
		for k, v := range l {
			loc[k] = v
		}
	default:
		p.problem(w, "location is a %s, not an object", jsonType(l))
		return i
	}
	if isBlank(loc["countryCode"]) {
		loc["countryCode"] = strings.TrimSpace(cc)
	}
	n.props["location"] = loc
	return i
}

// whole keeps an evidence item of a type without a mapping as it is, under
// its own kind.
func (p *evidenceParser) whole(k Kind, m map[string]any, w string) int {
	n := &node{kind: k, props: make(map[string]any, len(m)), where: w}
	for key, x := range m {
		if key != "@odata.type" {
			n.props[key] = x
		}
	}
	return p.g.add(n)
}

// entity adds the node of one evidence item of kind k: the item's
// properties, renamed by rename, less the @odata.type and the nested ones
// (read apart into entities of their own). A renamed property must be a
// value, not an object or a list; the verdict is spelled as Graph spells
// it.
func (p *evidenceParser) entity(k Kind, m map[string]any, w string, rename map[string]string, nested ...string) int {
	n := &node{kind: k, props: make(map[string]any, len(m)), where: w}
	for key, x := range m {
		if key == "@odata.type" || slices.Contains(nested, key) {
			continue
		}
		if to, ok := rename[key]; ok {
			p.value(w, key, x)
			key = to
		}
		n.props[key] = x
	}
	if x, ok := m[PropVerdict]; ok && p.value(w, PropVerdict, x) {
		if v, ok := ParseEvidenceVerdict(str(m, PropVerdict)); ok {
			n.props[PropVerdict] = string(v)
		}
	}
	return p.g.add(n)
}

// value reports whether x, the property name of an item, is a value (text,
// a number, a boolean or null), and names it in a problem when it is not.
func (p *evidenceParser) value(w, name string, x any) bool {
	switch x.(type) {
	case map[string]any, []any:
		p.problem(w, "%s is a %s, not a value", name, jsonType(x))
		return false
	}
	return true
}

// object returns the nested object name of m, or nil when it is absent,
// null or holds nothing but nulls and empty text (Graph sends a process's
// image file so when it knows none). A value of another type is a problem
// and is kept as a property of the node at index i.
func (p *evidenceParser) object(m map[string]any, name, w string, i int) map[string]any {
	switch x := m[name].(type) {
	case nil:
		return nil
	case map[string]any:
		for k, v := range x {
			if k != "@odata.type" && !isBlank(v) {
				return x
			}
		}
		return nil
	default:
		p.problem(w, "%s is a %s, not an object", name, jsonType(x))
		p.g.nodes[i].props[name] = x
		return nil
	}
}

// nested reads the nested item name of m as an item of type typ and links
// node i to it under rel.
func (p *evidenceParser) nested(i int, m map[string]any, w, name, typ, rel string) {
	if x := p.object(m, name, w, i); x != nil {
		p.link(i, rel, p.evidence(typ, x, w+"."+name))
	}
}

// nestedList reads the nested list name of m as items of type typ and
// links node i to each under rel.
func (p *evidenceParser) nestedList(i int, m map[string]any, w, name, typ, rel string) {
	switch xs := m[name].(type) {
	case nil:
	case []any:
		for j, x := range xs {
			wj := w + "." + name + "[" + strconv.Itoa(j) + "]"
			if o, ok := x.(map[string]any); ok {
				p.link(i, rel, p.evidence(typ, o, wj))
			} else if x != nil {
				p.problem(wj, "element is a %s, not an object", jsonType(x))
			}
		}
	default:
		p.problem(w, "%s is a %s, not a list", name, jsonType(xs))
		p.g.nodes[i].props[name] = xs
	}
}

func (p *evidenceParser) link(from int, rel string, to int) {
	if to >= 0 && to != from {
		p.g.nodes[from].links = append(p.g.nodes[from].links, nodeLink{rel: rel, to: to})
	}
}

// accountRenames are the names of Graph's userAccount properties on an
// Account entity.
var accountRenames = map[string]string{
	"domainName":                "ntDomain",
	"userSid":                   "sid",
	"azureAdUserId":             "aadUserId",
	"activeDirectoryObjectGuid": "objectGuid",
	"tenantId":                  "aadTenantId",
}

// account sets the properties of a Graph userAccount on the Account node n.
// A UPN whose name part is the account name gives the account its UPN
// suffix, as Sentinel's entities of the same account have it, so both get
// the key accountName@suffix; a UPN of another name is kept as it is,
// never joined into an address nobody has.
func (p *evidenceParser) account(n *node, ua map[string]any, w string) {
	for key, x := range ua {
		if key == "@odata.type" {
			continue
		}
		if to, ok := accountRenames[key]; ok {
			p.value(w, key, x)
			key = to
		}
		if _, taken := n.props[key]; !taken || isBlank(n.props[key]) {
			n.props[key] = x
		}
	}
	p.value(w, "accountName", ua["accountName"])
	p.value(w, "userPrincipalName", ua["userPrincipalName"])
	name, upn := str(n.props, "accountName"), str(n.props, "userPrincipalName")
	local, suffix, ok := strings.Cut(upn, "@")
	if ok && name != "" && suffix != "" && strings.EqualFold(local, name) && str(n.props, "upnSuffix") == "" {
		n.props["upnSuffix"] = suffix
	}
}

// accountNode adds an Account node for a Graph userAccount nested in other
// evidence (a process's user, a mailbox's owner).
func (p *evidenceParser) accountNode(ua map[string]any, w string) int {
	i := p.g.add(&node{kind: KindAccount, props: map[string]any{}, where: w})
	p.account(p.g.nodes[i], ua, w)
	return i
}

// device adds the Host node of a deviceEvidence: its DNS name is the FQDN
// when it has a domain, else the host name; Defender's device id and
// Entra device id take the names Sentinel's host entities give them, and
// the VM's resource id is the host's Azure id.
func (p *evidenceParser) device(m map[string]any, w string) int {
	i := p.entity(KindHost, m, w, map[string]string{"mdeDeviceId": "mdatpDeviceId", "azureAdDeviceId": "aadDeviceId"})
	n := p.g.nodes[i]
	p.value(w, "deviceDnsName", m["deviceDnsName"])
	p.value(w, "hostName", m["hostName"])
	dns := strings.TrimSuffix(str(m, "deviceDnsName"), ".")
	switch {
	case strings.Contains(dns, "."):
		n.props["fqdn"] = dns
	case dns != "" && str(m, "hostName") == "":
		n.props["hostName"] = dns
	}
	if vm, ok := m["vmMetadata"].(map[string]any); ok && str(vm, "resourceId") != "" && str(n.props, "azureID") == "" {
		n.props["azureID"] = str(vm, "resourceId")
	}
	if id := strings.ToLower(str(m, "mdeDeviceId")); id != "" {
		if _, seen := p.devices[id]; !seen {
			p.devices[id] = i
		}
	}
	return i
}

// onDevice notes that node i names its device by Defender's id.
func (p *evidenceParser) onDevice(i int, m map[string]any) {
	if id := strings.ToLower(str(m, "mdeDeviceId")); id != "" {
		p.hosts = append(p.hosts, hostRef{node: i, id: id})
	}
}

// linkHosts links each node that names its device by id to the device
// evidence of this alert with that id.
func (p *evidenceParser) linkHosts() {
	for _, h := range p.hosts {
		if d, ok := p.devices[h.id]; ok {
			p.link(h.node, relHost, d)
		}
	}
}

// graphHashes are the hash properties of Graph's fileDetails and the
// algorithm each is, as Sentinel's FileHash entities spell it.
var graphHashes = []struct{ prop, alg string }{
	{"md5", "MD5"}, {"sha1", "SHA1"}, {"sha256", "SHA256"}, {"sha256Ac", "SHA256AC"},
}

// fileDetails sets the properties of a Graph fileDetails on the File node
// i: its path is the directory (less the file name, when the path ends with
// it), and each hash given becomes a FileHash linked as "fileHashes".
func (p *evidenceParser) fileDetails(i int, fd map[string]any, w string) {
	n := p.g.nodes[i]
	for key, x := range fd {
		if key == "filePath" || key == "@odata.type" || slices.Contains(hashProps, key) {
			continue
		}
		if _, taken := n.props[key]; !taken {
			n.props[key] = x
		}
	}
	p.value(w, "fileName", fd["fileName"])
	if p.value(w, "filePath", fd["filePath"]) {
		dir, name := str(fd, "filePath"), str(fd, "fileName")
		if name != "" && len(dir) > len(name) && strings.EqualFold(dir[len(dir)-len(name):], name) &&
			strings.ContainsRune(`\/`, rune(dir[len(dir)-len(name)-1])) {
			dir = dir[:len(dir)-len(name)-1]
		}
		if dir != "" {
			n.props["directory"] = dir
		}
	}
	for _, h := range graphHashes {
		x, ok := fd[h.prop]
		if !ok || x == nil {
			continue
		}
		if !p.value(w, h.prop, x) {
			n.props[h.prop] = x
			continue
		}
		if v := str(fd, h.prop); v != "" {
			j := p.g.add(&node{kind: KindFileHash, props: map[string]any{"algorithm": h.alg, "hashValue": v}, where: w + "." + h.prop})
			p.link(i, relFileHashes, j)
		}
	}
}

// hashProps are graphHashes' property names.
var hashProps = func() []string {
	var out []string
	for _, h := range graphHashes {
		out = append(out, h.prop)
	}
	return out
}()

// fileNode adds a File node for a Graph fileDetails nested in other
// evidence (a process's image file).
func (p *evidenceParser) fileNode(fd map[string]any, w string) int {
	i := p.g.add(&node{kind: KindFile, props: map[string]any{}, where: w})
	p.fileDetails(i, fd, w)
	return i
}

// process adds the Process node of a processEvidence, linked to its image
// file, its user, its device and its parent process (a Process of its own
// with the parent's id, creation time and image file).
func (p *evidenceParser) process(m map[string]any, w string) int {
	i := p.entity(KindProcess, m, w, map[string]string{"processCommandLine": "commandLine", "processCreationDateTime": "creationTimeUtc"},
		"imageFile", "userAccount", "parentProcessId", "parentProcessCreationDateTime", "parentProcessImageFile")
	p.value(w, "processId", m["processId"])
	if fd := p.object(m, "imageFile", w, i); fd != nil {
		p.link(i, relImageFile, p.fileNode(fd, w+".imageFile"))
	}
	if ua := p.object(m, "userAccount", w, i); ua != nil {
		p.link(i, "account", p.accountNode(ua, w+".userAccount"))
	}
	p.onDevice(i, m)
	parent := map[string]any{}
	for from, to := range map[string]string{"parentProcessId": "processId", "parentProcessCreationDateTime": "creationTimeUtc"} {
		if x, ok := m[from]; ok && x != nil && p.value(w, from, x) {
			parent[to] = x
		}
	}
	pfd := p.object(m, "parentProcessImageFile", w, i)
	if len(parent) == 0 && pfd == nil {
		return i
	}
	j := p.g.add(&node{kind: KindProcess, props: parent, where: w + ".parentProcess"})
	if pfd != nil {
		p.link(j, relImageFile, p.fileNode(pfd, w+".parentProcessImageFile"))
	}
	p.onDevice(j, m)
	p.link(i, "parentProcess", j)
	return i
}

// registryValue adds the RegistryValue node of a registryValueEvidence,
// linked as "key" to a RegistryKey of its hive and key.
func (p *evidenceParser) registryValue(m map[string]any, w string) int {
	i := p.entity(KindRegistryValue, m, w, map[string]string{"registryValueName": "valueName", "registryValue": "valueData", "registryValueType": "valueType"},
		"registryHive", "registryKey")
	key := map[string]any{}
	for from, to := range map[string]string{"registryHive": "hive", "registryKey": "key"} {
		if x, ok := m[from]; ok && x != nil {
			if p.value(w, from, x) {
				key[to] = x
			} else {
				p.g.nodes[i].props[from] = x
			}
		}
	}
	if str(key, "key") != "" {
		p.link(i, relKey, p.g.add(&node{kind: KindRegistryKey, props: key, where: w + ".registryKey"}))
	} else if len(key) > 0 {
		p.g.nodes[i].props["hive"] = key["hive"]
	}
	p.onDevice(i, m)
	return i
}

// message adds the MailMessage node of an analyzedMessageEvidence: the
// senders' addresses, names and domains as Sentinel's mail messages name
// them, linked to a Mailbox of its recipient and an Ip of its sender.
func (p *evidenceParser) message(m map[string]any, w string) int {
	i := p.entity(KindMailMessage, m, w, map[string]string{"recipientEmailAddress": "recipient", "senderIp": "senderIP", "receivedDateTime": "receiveDate"},
		"p1Sender", "p2Sender")
	n := p.g.nodes[i]
	for _, s := range []string{"p1Sender", "p2Sender"} {
		if snd := p.object(m, s, w, i); snd != nil {
			for from, to := range map[string]string{"emailAddress": s, "displayName": s + "DisplayName", "domainName": s + "Domain"} {
				if x, ok := snd[from]; ok && p.value(w+"."+s, from, x) {
					n.props[to] = x
				}
			}
		}
	}
	if r := str(n.props, "recipient"); r != "" {
		p.link(i, "recipient", p.g.add(&node{kind: KindMailbox, props: map[string]any{"mailboxPrimaryAddress": r}, where: w + ".recipientEmailAddress"}))
	}
	if a, ok := normIP(str(n.props, "senderIP")); ok {
		p.link(i, "senderIP", p.g.add(&node{kind: KindIP, props: map[string]any{"address": a}, where: w + ".senderIp"}))
	}
	return i
}
