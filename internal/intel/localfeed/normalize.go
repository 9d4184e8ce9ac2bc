package localfeed

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// kinds maps a CSV type column's words to the classes they allow.
var kinds = map[string][]class{
	"ip": {"ipv4", "ipv6"}, "ip-addr": {"ipv4", "ipv6"}, "ip-address": {"ipv4", "ipv6"}, "ipaddress": {"ipv4", "ipv6"}, "address": {"ipv4", "ipv6"},
	"ipv4": {"ipv4"}, "ipv4-addr": {"ipv4"},
	"ipv6": {"ipv6"}, "ipv6-addr": {"ipv6"},
	"domain": {"name"}, "domain-name": {"name"}, "hostname": {"name"}, "host": {"name"}, "fqdn": {"name"}, "dns": {"name"},
	"url": {"url"}, "uri": {"url"},
	"md5": {"md5"}, "sha1": {"sha1"}, "sha-1": {"sha1"}, "sha256": {"sha256"}, "sha-256": {"sha256"},
	"hash": {"md5", "sha1", "sha256"}, "file-hash": {"md5", "sha1", "sha256"}, "filehash": {"md5", "sha1", "sha256"},
	"email": {"email"}, "e-mail": {"email"}, "email-addr": {"email"}, "mail": {"email"},
}

// kindWords reads a type column value; nil means any kind.
func kindWords(s string) ([]class, error) {
	w := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	if w == "" {
		return nil, nil
	}
	cs, ok := kinds[w]
	if !ok {
		return nil, fmt.Errorf("unknown type %q", clip(s))
	}
	return cs, nil
}

// normalize types and normalises a feed value. want lists the classes the
// feed says it may be (nil: any). An IP range in CIDR notation gives an
// entry with a prefix. A URL that ioc.Parse cannot read (another scheme,
// say) is kept as given, trimmed, when the feed says it is a URL.
func normalize(raw string, want []class) (*entry, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return nil, errors.New("empty indicator")
	}
	allowed := func(c class) bool {
		if want == nil {
			return true
		}
		for _, w := range want {
			if w == c {
				return true
			}
		}
		return false
	}
	if strings.Contains(v, "/") && !strings.Contains(v, "://") && (want == nil || allowed("ipv4") || allowed("ipv6")) {
		if pf, err := netip.ParsePrefix(v); err == nil {
			pf = pf.Masked()
			k := ioc.IPv6
			if pf.Addr().Is4() {
				k = ioc.IPv4
			}
			if !allowed(class(k)) {
				return nil, fmt.Errorf("%q is an %s range, not %s", clip(v), k, wantText(want))
			}
			if pf.IsSingleIP() {
				return &entry{Kind: k, Value: pf.Addr().String()}, nil
			}
			return &entry{Kind: k, Value: pf.String(), Prefix: pf}, nil
		}
	}
	ind, err := ioc.Parse(v)
	if err != nil {
		if allowed("url") && want != nil && strings.Contains(v, "://") && printable(v) {
			return &entry{Kind: ioc.URL, Value: v}, nil
		}
		return nil, err
	}
	if !allowed(classOf(ind.Kind)) {
		return nil, fmt.Errorf("%q is %s, not %s", clip(v), article(ind.Kind), wantText(want))
	}
	return &entry{Kind: ind.Kind, Value: ind.Value}, nil
}

func article(k ioc.Kind) string {
	switch k {
	case ioc.IPv4, ioc.IPv6, ioc.MD5, ioc.Email:
		return "an " + string(k)
	}
	return "a " + string(k)
}

func wantText(want []class) string {
	s := make([]string, len(want))
	for i, c := range want {
		s[i] = string(c)
		if c == "name" {
			s[i] = "a domain or host name"
		}
	}
	return strings.Join(s, " or ")
}

// printable reports whether s has no white space or control characters.
func printable(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "..."
	}
	return s
}

// parseTime reads a CSV date: RFC 3339, or a date and time or a date alone
// in UTC. A date alone is the start of that day, or with end its end, so
// "valid_until 2025-06-30" still holds on the 30th.
func parseTime(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("bad time %q (want RFC 3339 or yyyy-mm-dd)", clip(s))
}
