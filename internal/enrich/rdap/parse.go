package rdap

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
)

// object is the part of an RDAP answer (RFC 9083) that is read: an
// "ip network" or a "domain".
type object struct {
	ObjectClassName string     `json:"objectClassName"`
	Handle          string     `json:"handle"`
	Status          []string   `json:"status"`
	Entities        []entity   `json:"entities"`
	Events          []event    `json:"events"`
	StartAddress    string     `json:"startAddress"`
	EndAddress      string     `json:"endAddress"`
	Name            string     `json:"name"`
	Type            string     `json:"type"`
	Country         string     `json:"country"`
	ParentHandle    string     `json:"parentHandle"`
	CIDRs           []cidr0    `json:"cidr0_cidrs"` // the cidr0 extension
	LDHName         string     `json:"ldhName"`
	Nameservers     []nsObject `json:"nameservers"`
}

type entity struct {
	Handle   string          `json:"handle"`
	Roles    []string        `json:"roles"`
	VCard    json.RawMessage `json:"vcardArray"`
	Entities []entity        `json:"entities"`
}

type event struct {
	Action string `json:"eventAction"`
	Date   string `json:"eventDate"`
}

type cidr0 struct {
	V4Prefix string `json:"v4prefix"`
	V6Prefix string `json:"v6prefix"`
	Length   *int   `json:"length"`
}

type nsObject struct {
	LDHName string `json:"ldhName"`
}

func (o *object) network(server string) enrich.Network {
	n := enrich.Network{
		Handle:       clean(o.Handle),
		Name:         clean(o.Name),
		Type:         clean(o.Type),
		Country:      clean(o.Country),
		CIDR:         o.cidr(),
		StartAddress: clean(o.StartAddress),
		EndAddress:   clean(o.EndAddress),
		ParentHandle: clean(o.ParentHandle),
		Source:       server,
	}
	if e := findEntity(o.Entities, "registrant", func(e *entity) bool { return e.name() != "" }); e != nil {
		n.Org = e.name()
	}
	if e := findEntity(o.Entities, "abuse", func(e *entity) bool { return e.email() != "" }); e != nil {
		n.AbuseEmail = e.email()
	}
	n.Registered, n.Updated, _ = eventTimes(o.Events)
	return n
}

func (o *object) domain(asked, server string) enrich.Registration {
	d := enrich.Registration{
		Handle: clean(o.Handle),
		Name:   strings.ToLower(strings.TrimSuffix(clean(o.LDHName), ".")),
		Source: server,
	}
	if d.Name == "" {
		d.Name = asked
	}
	if e := findEntity(o.Entities, "registrar", func(e *entity) bool { return e.name() != "" }); e != nil {
		d.Registrar = e.name()
	}
	d.Created, d.Updated, d.Expires = eventTimes(o.Events)
	for _, ns := range o.Nameservers {
		if h := strings.ToLower(strings.TrimSuffix(clean(ns.LDHName), ".")); h != "" {
			d.Nameservers = append(d.Nameservers, h)
		}
	}
	for _, s := range o.Status {
		if s = clean(s); s != "" {
			d.Status = append(d.Status, s)
		}
	}
	return d
}

// cidr is the network as prefixes: from the cidr0 extension when present,
// else computed from the start and end addresses.
func (o *object) cidr() string {
	var out []string
	for _, c := range o.CIDRs {
		p := c.V4Prefix
		if p == "" {
			p = c.V6Prefix
		}
		if c.Length == nil || p == "" {
			continue
		}
		if pf, err := netip.ParsePrefix(p + "/" + strconv.Itoa(*c.Length)); err == nil {
			out = append(out, pf.Masked().String())
		}
	}
	if len(out) == 0 {
		start, err1 := netip.ParseAddr(strings.TrimSpace(o.StartAddress))
		end, err2 := netip.ParseAddr(strings.TrimSpace(o.EndAddress))
		if err1 == nil && err2 == nil {
			for _, p := range rangePrefixes(start, end) {
				out = append(out, p.String())
			}
		}
	}
	return strings.Join(out, ", ")
}

// rangePrefixes covers start..end with the fewest prefixes; nil when the
// range is empty or mixes families.
func rangePrefixes(start, end netip.Addr) []netip.Prefix {
	if start.Is4() != end.Is4() || end.Less(start) {
		return nil
	}
	var out []netip.Prefix
	for start.IsValid() && !end.Less(start) {
		var p netip.Prefix
		for bits := 0; bits <= start.BitLen(); bits++ {
			q := netip.PrefixFrom(start, bits)
			if q.Masked().Addr() == start && !end.Less(lastAddr(q)) {
				p = q
				break
			}
		}
		out = append(out, p)
		start = lastAddr(p).Next()
	}
	return out
}

// lastAddr is the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := range b {
		switch net := p.Bits() - 8*i; { // network bits in this byte
		case net <= 0:
			b[i] = 0xff
		case net < 8:
			b[i] |= 0xff >> net
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// eventTimes reads the events "registration" (the earliest), "last
// changed" and "expiration" (the latest of each). Other events, such as
// "last update of RDAP database", are ignored.
func eventTimes(evs []event) (registered, changed, expires time.Time) {
	for _, ev := range evs {
		t, ok := parseTime(ev.Date)
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(ev.Action)) {
		case "registration":
			if registered.IsZero() || t.Before(registered) {
				registered = t
			}
		case "last changed":
			if t.After(changed) {
				changed = t
			}
		case "expiration":
			if t.After(expires) {
				expires = t
			}
		}
	}
	return registered, changed, expires
}

// parseTime reads an RFC 3339 date, or one without its zone (taken as UTC)
// or its time, as some servers send.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// findEntity returns the first entity, breadth first through the nested
// entities, that has role and satisfies ok.
func findEntity(top []entity, role string, ok func(*entity) bool) *entity {
	queue := make([]*entity, 0, len(top))
	for i := range top {
		queue = append(queue, &top[i])
	}
	for i := 0; i < len(queue) && i < 10000; i++ {
		e := queue[i]
		if e.hasRole(role) && ok(e) {
			return e
		}
		for j := range e.Entities {
			queue = append(queue, &e.Entities[j])
		}
	}
	return nil
}

func (e *entity) hasRole(role string) bool {
	for _, r := range e.Roles {
		if strings.EqualFold(strings.TrimSpace(r), role) {
			return true
		}
	}
	return false
}

// name is the entity's vCard fn, else its org.
func (e *entity) name() string {
	if s := vcardText(e.VCard, "fn"); s != "" {
		return s
	}
	return vcardText(e.VCard, "org")
}

func (e *entity) email() string {
	s := vcardText(e.VCard, "email")
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	return s
}

// vcardText returns the first non-empty text value of the property name in
// a jCard (RFC 7095): ["vcard", [[name, {params}, type, value...], ...]].
// A structured value (an array) is joined with spaces.
func vcardText(raw json.RawMessage, name string) string {
	if len(raw) == 0 {
		return ""
	}
	var card []json.RawMessage
	if json.Unmarshal(raw, &card) != nil || len(card) < 2 {
		return ""
	}
	var props [][]json.RawMessage
	if json.Unmarshal(card[1], &props) != nil {
		return ""
	}
	for _, p := range props {
		var n string
		if len(p) < 4 || json.Unmarshal(p[0], &n) != nil || !strings.EqualFold(n, name) {
			continue
		}
		var s string
		if json.Unmarshal(p[3], &s) == nil {
			if s = clean(s); s != "" {
				return s
			}
			continue
		}
		var parts []string
		if json.Unmarshal(p[3], &parts) == nil {
			if s = clean(strings.Join(parts, " ")); s != "" {
				return s
			}
		}
	}
	return ""
}
