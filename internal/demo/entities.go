package demo

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// This file builds the entities of one alert and writes them in the
// SecurityAlert.Entities format: a JSON array of objects with PascalCase
// properties and a lower-case "Type", where every object carries a "$id"
// (numbered from "2") and a later occurrence of the same object is written as
// {"$ref":"<id>"}. That is how Log Analytics returns the column (Json.NET with
// reference preservation).

// ent is one entity; props keep their order.
type ent struct {
	typ   string
	props []prop
}

// prop is one property. Its value is a string, int, int64, float64, bool, nil,
// time.Time, *ent (a link), []*ent, []string, obj or []obj.
type prop struct {
	k string
	v any
}

// obj is a nested JSON object that is not an entity (an IP's Location).
type obj []prop

func p(k string, v any) prop { return prop{k, v} }

// eb collects the entities of one alert. Builders are memoised by identity, so
// that the same host used twice is one object with one $id; an entity's links
// are built before it, so links always point back to an earlier $id.
type eb struct {
	g    *gen
	list []*ent
	memo map[string]*ent
	// inline writes the alert the way Defender for Endpoint alerts often
	// arrive: processes first, with their image file, host and account
	// written inline (with their own $id) inside the process, and the later
	// top-level occurrences as bare {"$ref"} objects.
	inline bool
}

func newEB(g *gen) *eb { return &eb{g: g, memo: make(map[string]*ent)} }

// add memoises an entity under key, building it only once.
func (b *eb) add(key string, build func() *ent) *ent {
	if e, ok := b.memo[key]; ok {
		return e
	}
	e := build()
	b.memo[key] = e
	b.list = append(b.list, e)
	return e
}

// ordered returns the entities in the order they are written.
func (b *eb) ordered() []*ent {
	if !b.inline {
		return b.list
	}
	out := make([]*ent, 0, len(b.list))
	for _, e := range b.list {
		if e.typ == "process" {
			out = append(out, e)
		}
	}
	for _, e := range b.list {
		if e.typ != "process" {
			out = append(out, e)
		}
	}
	return out
}

// --- builders, one per entity kind --------------------------------------------

// account is an Entra ID (Azure AD) account.
func (b *eb) account(u user) *ent {
	return b.add("account:"+u.upn(), func() *ent {
		return &ent{"account", []prop{
			p("Name", u.sam), p("UPNSuffix", tenantDomain), p("AadTenantId", b.g.ws.tenantID),
			p("AadUserId", b.g.userObjectID(u)), p("DisplayName", u.display), p("IsDomainJoined", false),
		}}
	})
}

// winAccount is a domain account as a Windows host reports it.
func (b *eb) winAccount(u user, h host, logonID string) *ent {
	hostE := b.host(h)
	return b.add("account:"+ntDomain+`\`+u.sam, func() *ent {
		props := []prop{p("Name", u.sam), p("NTDomain", ntDomain), p("UPNSuffix", tenantDomain),
			p("Sid", u.sid()), p("Host", hostE), p("IsDomainJoined", true)}
		if logonID != "" {
			props = append(props, p("LogonId", logonID))
		}
		return &ent{"account", props}
	})
}

// localAccount is an account local to a host (or a service account by name).
func (b *eb) localAccount(name, domain, sid string, h *host) *ent {
	var hostE *ent
	if h != nil {
		hostE = b.host(*h)
	}
	return b.add("account:"+domain+`\`+name, func() *ent {
		props := []prop{p("Name", name)}
		if domain != "" {
			props = append(props, p("NTDomain", domain))
		}
		if sid != "" {
			props = append(props, p("Sid", sid))
		}
		if hostE != nil {
			props = append(props, p("Host", hostE))
		}
		props = append(props, p("IsDomainJoined", domain == ntDomain))
		return &ent{"account", props}
	})
}

func (b *eb) host(h host) *ent {
	return b.add("host:"+h.name, func() *ent {
		props := []prop{p("HostName", h.name)}
		if h.isWindows() {
			props = append(props, p("DnsDomain", tenantDomain), p("NTDomain", ntDomain), p("NetBiosName", h.name),
				p("FQDN", h.fqdn()))
		}
		props = append(props, p("OSFamily", h.os.family), p("OSVersion", h.os.version))
		if h.mde {
			props = append(props, p("MdatpDeviceId", b.g.deviceID(h)))
		}
		if h.cloud {
			props = append(props, p("AzureID", b.g.vmResourceID(h)), p("OMSAgentID", b.g.agentID(h)))
		}
		props = append(props, p("IsDomainJoined", h.isWindows()))
		return &ent{"host", props}
	})
}

// ip is an address; public demo addresses carry their Location as Sentinel adds it.
func (b *eb) ip(addr string) *ent {
	return b.add("ip:"+addr, func() *ent {
		props := []prop{p("Address", addr)}
		if l, ok := geoOf(addr); ok {
			props = append(props, p("Location", obj{
				p("CountryCode", l.CountryCode), p("CountryName", l.Country), p("State", l.Region),
				p("City", l.City), p("Longitude", l.Longitude), p("Latitude", l.Latitude),
				p("Asn", int(l.ASN)), p("Carrier", l.ASOrg), p("Organization", l.ASOrg),
			}))
		}
		return &ent{"ip", props}
	})
}

func (b *eb) url(u string) *ent {
	return b.add("url:"+u, func() *ent { return &ent{"url", []prop{p("Url", u)}} })
}

// dns is a DNS resolution: the name, what it resolved to, the server and the client.
func (b *eb) dns(domain string, resolved []string, server, client string) *ent {
	var addrs []*ent
	for _, a := range resolved {
		addrs = append(addrs, b.ip(a))
	}
	serverE, clientE := b.ip(server), b.ip(client)
	return b.add("dns:"+domain, func() *ent {
		return &ent{"dns", []prop{p("DomainName", domain), p("IpAddresses", addrs),
			p("DnsServerIp", serverE), p("HostIpAddress", clientE)}}
	})
}

func (b *eb) hash(alg, value string) *ent {
	return b.add("filehash:"+value, func() *ent {
		return &ent{"filehash", []prop{p("Algorithm", alg), p("Value", value)}}
	})
}

// file is a file; dir may be empty (a mail attachment).
func (b *eb) file(dir, name string, hashes ...*ent) *ent {
	return b.add("file:"+dir+`\`+name, func() *ent {
		var props []prop
		if dir != "" {
			props = append(props, p("Directory", dir))
		}
		props = append(props, p("Name", name))
		if len(hashes) > 0 {
			props = append(props, p("FileHashes", hashes))
		}
		return &ent{"file", props}
	})
}

// procEnt describes a process entity.
type procEnt struct {
	key       string
	pid       int64
	cmd       string
	created   time.Time
	image     *ent
	account   *ent
	parent    *ent
	host      *ent
	elevation string
	session   *ent
}

func (b *eb) process(pe procEnt) *ent {
	return b.add("process:"+pe.key, func() *ent {
		props := []prop{p("ProcessId", hexID(pe.pid)), p("CommandLine", pe.cmd)}
		if pe.elevation != "" {
			props = append(props, p("ElevationToken", pe.elevation))
		}
		props = append(props, p("CreationTimeUtc", pe.created))
		if pe.image != nil {
			props = append(props, p("ImageFile", pe.image))
		}
		if pe.account != nil {
			props = append(props, p("Account", pe.account))
		}
		if pe.parent != nil {
			props = append(props, p("ParentProcess", pe.parent))
		}
		if pe.host != nil {
			props = append(props, p("Host", pe.host))
		}
		if pe.session != nil {
			props = append(props, p("HostLogonSession", pe.session))
		}
		return &ent{"process", props}
	})
}

func (b *eb) mailbox(u user) *ent {
	return b.add("mailbox:"+u.upn(), func() *ent {
		return &ent{"mailbox", []prop{p("MailboxPrimaryAddress", u.upn()), p("DisplayName", u.display),
			p("Upn", u.upn()), p("AadId", b.g.userObjectID(u))}}
	})
}

// mail is a mail message of the story.
type mail struct {
	to        user
	from      string // sender address
	fromName  string
	senderIP  string
	subject   string
	received  time.Time
	urls      []string
	files     []*ent
	threats   []string
	delivery  string // "Delivered", "Blocked", "Replaced"
	location  string // "Inbox", "Quarantine", "Deleted Items"
	direction string // "Inbound", "Intraorg"
}

func (b *eb) mailMessage(m mail) *ent {
	nmid := b.g.id.guid("mail/" + m.subject + "/" + m.to.sam)
	return b.add("mailMessage:"+nmid, func() *ent {
		senderDomain := m.from[strings.IndexByte(m.from, '@')+1:]
		return &ent{"mailMessage", []prop{
			p("Files", m.files), p("Recipient", m.to.upn()), p("Urls", m.urls), p("Threats", m.threats),
			p("Sender", m.from), p("P1Sender", m.from), p("P1SenderDisplayName", m.fromName),
			p("P1SenderDomain", senderDomain), p("SenderIP", m.senderIP), p("P2Sender", m.from),
			p("P2SenderDisplayName", m.fromName), p("P2SenderDomain", senderDomain),
			p("ReceivedDate", m.received), p("NetworkMessageId", nmid),
			p("InternetMessageId", "<"+strings.ToUpper(b.g.id.hex("imid/"+nmid, 24))+"@"+tenantDomain+">"),
			p("Subject", m.subject), p("AntispamDirection", m.direction), p("DeliveryAction", m.delivery),
			p("DeliveryLocation", m.location), p("Language", "en"), p("ThreatDetectionMethods", []string{"URL detonation reputation", "File detonation"}),
		}}
	})
}

// mailCluster is a set of similar messages Defender for Office found.
func (b *eb) mailCluster(name string, msgs []*ent, from, to time.Time, query string) *ent {
	return b.add("mailCluster:"+name, func() *ent {
		var ids []string
		for _, m := range msgs {
			for _, pp := range m.props {
				if pp.k == "NetworkMessageId" {
					ids = append(ids, pp.v.(string))
				}
			}
		}
		n := int64(len(ids))
		return &ent{"mailCluster", []prop{
			p("NetworkMessageIds", ids),
			p("CountByDeliveryStatus", obj{p("Delivered", n)}),
			p("CountByThreatType", obj{p("Phish", n), p("Malware", n)}),
			p("CountByProtectionStatus", obj{p("Blocked", int64(0)), p("Delivered", n)}),
			p("Threats", []string{"Phish", "Malware"}),
			p("Query", query), p("QueryTime", to), p("MailCount", n), p("IsVolumeAnomaly", false),
			p("Source", "SimilarUrl"), p("ClusterSourceIdentifier", name), p("ClusterSourceType", "Similar"),
			p("ClusterQueryStartTime", from), p("ClusterQueryEndTime", to),
			p("ClusterGroup", "Url:"+name),
		}}
	})
}

// submission is a message a user reported.
func (b *eb) submission(reporter user, m mail, at time.Time) *ent {
	nmid := b.g.id.guid("mail/" + m.subject + "/" + m.to.sam)
	return b.add("submission:"+nmid, func() *ent {
		return &ent{"SubmissionMail", []prop{
			p("SubmissionId", b.g.id.guid("submission/"+nmid)), p("SubmissionDate", at),
			p("Submitter", reporter.upn()), p("NetworkMessageId", nmid), p("Timestamp", m.received),
			p("Recipient", m.to.upn()), p("Sender", m.from), p("SenderIp", m.senderIP),
			p("Subject", m.subject), p("ReportType", "Phish"),
		}}
	})
}

// cloudApp is a SaaS application from the Defender for Cloud Apps catalogue.
func (b *eb) cloudApp(appID int, name string) *ent {
	return b.add("cloud-application:"+name, func() *ent {
		return &ent{"cloud-application", []prop{p("AppId", appID), p("Name", name), p("InstanceName", name)}}
	})
}

// oauthApp is a third-party OAuth application registered in the tenant.
func (b *eb) oauthApp(name string) *ent {
	return b.add("cloud-application:"+name, func() *ent {
		return &ent{"cloud-application", []prop{p("Name", name), p("InstanceName", name),
			p("OAuthAppId", b.g.appID(name)), p("OAuthObjectId", b.g.id.guid("sp/"+name))}}
	})
}

func (b *eb) azureResource(resourceID string) *ent {
	return b.add("azure-resource:"+lower(resourceID), func() *ent {
		name := resourceID[strings.LastIndexByte(resourceID, '/')+1:]
		return &ent{"azure-resource", []prop{p("ResourceId", resourceID),
			p("SubscriptionId", b.g.ws.subscriptionID), p("ResourceName", name)}}
	})
}

func (b *eb) malware(name, category string, files, procs []*ent) *ent {
	return b.add("malware:"+name, func() *ent {
		props := []prop{p("Name", name), p("Category", category)}
		if len(files) > 0 {
			props = append(props, p("Files", files))
		}
		if len(procs) > 0 {
			props = append(props, p("Processes", procs))
		}
		return &ent{"malware", props}
	})
}

func (b *eb) registryKey(hive, key string) *ent {
	return b.add("registry-key:"+hive+`\`+key, func() *ent {
		return &ent{"registry-key", []prop{p("Hive", hive), p("Key", key)}}
	})
}

func (b *eb) registryValue(key *ent, name, value, valueType string) *ent {
	return b.add("registry-value:"+name, func() *ent {
		return &ent{"registry-value", []prop{p("Key", key), p("Name", name), p("Value", value), p("ValueType", valueType)}}
	})
}

func (b *eb) securityGroup(name, dn, sid, objectGUID string) *ent {
	return b.add("security-group:"+name, func() *ent {
		var props []prop
		if dn != "" {
			props = append(props, p("DistinguishedName", dn))
		}
		if sid != "" {
			props = append(props, p("SID", sid))
		}
		if objectGUID != "" {
			props = append(props, p("ObjectGuid", objectGUID))
		}
		props = append(props, p("FriendlyName", name))
		return &ent{"security-group", props}
	})
}

// iotDev describes an OT/IoT device seen by Defender for IoT.
type iotDev struct {
	name, ip, mac, deviceType, vendor, model, firmware, serial, site, zone string
}

func (b *eb) iotDevice(d iotDev) *ent {
	ipE := b.ip(d.ip)
	hub := b.azureResource(b.g.iotHubID())
	return b.add("iotdevice:"+d.name, func() *ent {
		return &ent{"iotdevice", []prop{
			p("IoTHub", hub), p("DeviceId", b.g.id.guid("iot/"+d.name)), p("DeviceName", d.name),
			p("IoTSecurityAgentId", nil), p("DeviceType", d.deviceType), p("Source", "Microsoft Defender for IoT"),
			p("SourceRef", nil), p("FirmwareVersion", d.firmware), p("OperatingSystem", "VxWorks"),
			p("Manufacturer", d.vendor), p("Model", d.model), p("MacAddress", d.mac),
			p("Protocols", []string{"BACnet", "HTTP", "Modbus"}), p("SerialNumber", d.serial),
			p("Site", d.site), p("Zone", d.zone), p("Sensor", "sensor-sea-ot-01"), p("IpAddress", ipE),
			p("Importance", "High"), p("PurdueLayer", "ProcessControl"), p("IsAuthorized", true),
			p("IsProgramming", false), p("IsScanner", false),
		}}
	})
}

func (b *eb) nic(mac string, ip *ent, vlans []string) *ent {
	return b.add("nic:"+mac, func() *ent {
		return &ent{"nic", []prop{p("MacAddress", mac), p("IpAddress", ip), p("VLans", vlans)}}
	})
}

func (b *eb) netConn(src *ent, srcPort int, dst *ent, dstPort int, proto string) *ent {
	key := "network-connection:" + strconv.Itoa(len(b.list))
	return b.add(key, func() *ent {
		return &ent{"network-connection", []prop{p("SourceAddress", src), p("SourcePort", srcPort),
			p("DestinationAddress", dst), p("DestinationPort", dstPort), p("Protocol", proto)}}
	})
}

func (b *eb) logonSession(h *ent, acct *ent, sessionID string, start, end time.Time) *ent {
	return b.add("host-logon-session:"+sessionID, func() *ent {
		return &ent{"host-logon-session", []prop{p("SessionId", sessionID), p("StartTimeUtc", start),
			p("EndTimeUtc", end), p("Host", h), p("Account", acct)}}
	})
}

// --- JSON -------------------------------------------------------------------

// entityJSON writes entities in the SecurityAlert.Entities format.
func entityJSON(list []*ent) string {
	w := jsonWriter{ids: make(map[*ent]string, len(list)), next: 2}
	w.b = make([]byte, 0, 256*len(list)+2)
	w.b = append(w.b, '[')
	for i, e := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.entity(e)
	}
	w.b = append(w.b, ']')
	return string(w.b)
}

// objectJSON writes an ordered object (ExtendedProperties).
func objectJSON(o obj) string {
	var w jsonWriter
	w.value(o)
	return string(w.b)
}

type jsonWriter struct {
	b    []byte
	ids  map[*ent]string
	next int
}

func (w *jsonWriter) entity(e *ent) {
	if id, ok := w.ids[e]; ok {
		w.b = append(w.b, `{"$ref":`...)
		w.b = appendJSONString(w.b, id)
		w.b = append(w.b, '}')
		return
	}
	id := strconv.Itoa(w.next)
	w.next++
	w.ids[e] = id
	w.b = append(w.b, `{"$id":`...)
	w.b = appendJSONString(w.b, id)
	for _, pp := range e.props {
		w.b = append(w.b, ',')
		w.b = appendJSONString(w.b, pp.k)
		w.b = append(w.b, ':')
		w.value(pp.v)
	}
	w.b = append(w.b, `,"Type":`...)
	w.b = appendJSONString(w.b, e.typ)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case string:
		w.b = appendJSONString(w.b, x)
	case int:
		w.b = strconv.AppendInt(w.b, int64(x), 10)
	case int64:
		w.b = strconv.AppendInt(w.b, x, 10)
	case float64:
		w.b = strconv.AppendFloat(w.b, x, 'f', -1, 64)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case time.Time:
		w.b = appendJSONString(w.b, x.UTC().Format(entityTimeLayout))
	case *ent:
		w.entity(x)
	case []*ent:
		w.b = append(w.b, '[')
		for i, e := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.entity(e)
		}
		w.b = append(w.b, ']')
	case []string:
		w.b = append(w.b, '[')
		for i, s := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, s)
		}
		w.b = append(w.b, ']')
	case obj:
		w.b = append(w.b, '{')
		for i, pp := range x {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendJSONString(w.b, pp.k)
			w.b = append(w.b, ':')
			w.value(pp.v)
		}
		w.b = append(w.b, '}')
	default:
		panic("demo: unsupported entity value type")
	}
}

// entityTimeLayout is how .NET writes UTC times (seven fractional digits).
const entityTimeLayout = "2006-01-02T15:04:05.0000000Z"

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
