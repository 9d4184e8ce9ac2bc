package priority

import (
	"strings"

	"github.com/triage-dev/triage/internal/triage"
)

// matchHost returns the entry of list that names host e, or "". An entry
// with a domain (an FQDN) names the host with that FQDN, or a host known by
// its short name alone with the same short name; an entry without one names
// every host with that short name. Case does not matter.
func matchHost(e triage.Entity, list []string) string {
	n := e.HostNames()
	short, fqdn, nb := n.Short, n.FQDN, n.NetBIOS
	for _, entry := range list {
		x := strings.Trim(strings.ToLower(strings.TrimSpace(entry)), ".")
		switch {
		case x == "":
		case !strings.Contains(x, "."):
			if x == short || x == nb {
				return entry
			}
		case fqdn != "":
			if x == fqdn {
				return entry
			}
		case triage.ShortHost(x) == short:
			return entry
		}
	}
	return ""
}

// matchAccount returns the entry of list that names account e, or "": a UPN
// names the account with that UPN, DOMAIN\name the account with that NT
// domain and name, and a bare name every account of that name. Case does
// not matter.
func matchAccount(e triage.Entity, list []string) string {
	prop := func(k string) string { return strings.ToLower(strings.TrimSpace(e.Prop(k))) }
	name, dom, suffix := prop("accountName"), prop("ntDomain"), prop("upnSuffix")
	if d, n, ok := strings.Cut(name, `\`); ok {
		dom = firstNonEmpty(dom, d)
		name = n
	}
	upns := map[string]bool{}
	if n, s, ok := cutLast(name, "@"); ok {
		upns[name] = true
		name, suffix = n, firstNonEmpty(suffix, s)
	}
	if name != "" && suffix != "" {
		upns[name+"@"+suffix] = true
	}
	for _, k := range []string{"userPrincipalName", "upn"} {
		if u := prop(k); strings.Contains(u, "@") {
			upns[u] = true
			if name == "" {
				name, _, _ = cutLast(u, "@")
			}
		}
	}
	for _, entry := range list {
		x := strings.ToLower(strings.TrimSpace(entry))
		if d, n, ok := strings.Cut(x, `\`); ok {
			if n != "" && n == name && d == dom {
				return entry
			}
			continue
		}
		if strings.Contains(x, "@") {
			if upns[x] {
				return entry
			}
			continue
		}
		if x != "" && x == name {
			return entry
		}
	}
	return ""
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i <= 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
