package rdap

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRangePrefixes(t *testing.T) {
	tests := []struct {
		start, end string
		want       string
	}{
		// ARIN's NET-13-64-0-0-1 and the cidr0 prefixes it publishes.
		{"13.64.0.0", "13.107.255.255", "13.64.0.0/11, 13.96.0.0/13, 13.104.0.0/14"},
		{"8.8.8.0", "8.8.8.255", "8.8.8.0/24"},
		{"8.8.8.8", "8.8.8.8", "8.8.8.8/32"},
		{"0.0.0.0", "255.255.255.255", "0.0.0.0/0"},
		{"192.0.2.1", "192.0.2.6", "192.0.2.1/32, 192.0.2.2/31, 192.0.2.4/31, 192.0.2.6/32"},
		{"2001:4860::", "2001:4860:ffff:ffff:ffff:ffff:ffff:ffff", "2001:4860::/32"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"},
		{"8.8.8.9", "8.8.8.8", ""},
		{"8.8.8.8", "2001:4860::", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range rangePrefixes(netip.MustParseAddr(tt.start), netip.MustParseAddr(tt.end)) {
			got = append(got, p.String())
		}
		if s := strings.Join(got, ", "); s != tt.want {
			t.Errorf("rangePrefixes(%s, %s) = %q, want %q", tt.start, tt.end, s, tt.want)
		}
	}
}

func TestCIDRWithoutExtension(t *testing.T) {
	o := object{StartAddress: "13.64.0.0", EndAddress: "13.107.255.255"}
	if got, want := o.cidr(), "13.64.0.0/11, 13.96.0.0/13, 13.104.0.0/14"; got != want {
		t.Errorf("cidr() = %q, want %q", got, want)
	}
}

func TestEventTimes(t *testing.T) {
	evs := []event{
		{"last changed", "2021-12-14T20:28:53-05:00"},
		{"registration", "2015-03-26T13:58:18-04:00"},
		{"last update of RDAP database", "2026-01-01T00:00:00Z"},
		{"expiration", "2030-01-01"},
		{"reregistration", "2016-01-01T00:00:00Z"},
		{"transfer", "2017-01-01T00:00:00Z"},
		{"last changed", "2019-01-01T00:00:00Z"}, // older than the first one
		{"registration", "not a date"},
		{"Registration", "2010-05-06T07:08:09"}, // no zone: UTC
	}
	reg, changed, exp := eventTimes(evs)
	want := []time.Time{date("2010-05-06T07:08:09Z"), date("2021-12-14T20:28:53-05:00"), date("2030-01-01T00:00:00Z")}
	if diff := cmp.Diff(want, []time.Time{reg, changed, exp}); diff != "" {
		t.Errorf("registration, last changed, expiration (-want +got):\n%s", diff)
	}
}

func TestVCard(t *testing.T) {
	card := json.RawMessage(`["vcard", [
		["version", {}, "text", "4.0"],
		["fn", {}, "text", ""],
		["FN", {}, "text", "  Example\u0007 Networks\n Inc. "],
		["org", {}, "text", ["Example", "Abuse desk"]],
		["email", {"pref": "1"}, "text", "MAILTO:abuse@example.net"],
		["adr", {}, "text", null]
	]]`)
	e := entity{VCard: card}
	if got := e.name(); got != "Example Networks Inc." {
		t.Errorf("name() = %q", got)
	}
	if got := e.email(); got != "abuse@example.net" {
		t.Errorf("email() = %q", got)
	}
	if got := vcardText(card, "org"); got != "Example Abuse desk" {
		t.Errorf("org = %q", got)
	}
	for _, bad := range []string{``, `null`, `"vcard"`, `["vcard"]`, `["vcard", {"fn": "x"}]`, `["vcard", [["fn"]]]`} {
		if got := vcardText(json.RawMessage(bad), "fn"); got != "" {
			t.Errorf("vcardText(%s) = %q, want empty", bad, got)
		}
	}
}

func TestFindEntityBreadthFirst(t *testing.T) {
	mk := func(handle string, roles []string, email string, kids ...entity) entity {
		card := `["vcard", [["version", {}, "text", "4.0"]]]`
		if email != "" {
			card = `["vcard", [["email", {}, "text", "` + email + `"]]]`
		}
		return entity{Handle: handle, Roles: roles, VCard: json.RawMessage(card), Entities: kids}
	}
	ents := []entity{
		mk("REG", []string{"registrant"}, "", mk("DEEP", []string{"abuse"}, "deep@example.net")),
		mk("NOMAIL", []string{"abuse"}, ""),
		mk("TECH", []string{"technical"}, "", mk("SHALLOW", []string{"Abuse"}, "shallow@example.net")),
	}
	// DEEP and SHALLOW are both at depth two; DEEP comes first. NOMAIL
	// is shallower but has no e-mail.
	e := findEntity(ents, "abuse", func(e *entity) bool { return e.email() != "" })
	if e == nil || e.Handle != "DEEP" {
		t.Errorf("found %+v, want DEEP", e)
	}
	if e := findEntity(ents, "registrar", func(*entity) bool { return true }); e != nil {
		t.Errorf("found %s for a missing role", e.Handle)
	}
}
