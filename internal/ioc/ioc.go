// Package ioc types, normalises and extracts indicators of compromise: IP
// addresses (with their IANA scope), domains, host names, URLs, e-mail
// addresses and file hashes.
//
// Parse types one whole value, such as an entity's; Extract finds every
// indicator in free text such as an alert description or a command line.
// Both refang first (see Refang). Unlike msticpy's IoCExtract, a domain is
// never a URL, IPv6 is supported, private addresses are typed and marked
// Internal rather than dropped, and names are only accepted under real
// top-level domains, so "cmd.exe" is not a domain.
package ioc

import (
	"net/netip"
	"strings"
)

// Kind is the type of an indicator.
type Kind string

// The indicator kinds.
const (
	IPv4     Kind = "ipv4"
	IPv6     Kind = "ipv6"
	Domain   Kind = "domain"   // a registered domain: eTLD+1, e.g. example.co.uk
	Hostname Kind = "hostname" // a name below a registered domain, e.g. www.example.co.uk
	URL      Kind = "url"
	MD5      Kind = "md5"
	SHA1     Kind = "sha1"
	SHA256   Kind = "sha256"
	Email    Kind = "email"
)

// Kinds lists every kind.
var Kinds = []Kind{IPv4, IPv6, Domain, Hostname, URL, MD5, SHA1, SHA256, Email}

// IsHash reports whether k is md5, sha1 or sha256.
func (k Kind) IsHash() bool { return k == MD5 || k == SHA1 || k == SHA256 }

// IsIP reports whether k is ipv4 or ipv6.
func (k Kind) IsIP() bool { return k == IPv4 || k == IPv6 }

// Indicator is a typed, normalised observable.
type Indicator struct {
	Kind Kind `json:"type"`
	// Value is normalised: the canonical IP (RFC 5952 for IPv6, IPv4-mapped
	// addresses unmapped), the lower-cased domain, host name, e-mail address
	// or hash, or the URL with lower-cased scheme and host.
	Value string `json:"value"`
	// Scope is set for IPs and for URLs whose host is an IP literal.
	Scope Scope `json:"scope,omitempty"`
}

// String returns the kind and the value, e.g. "ipv4 203.0.113.7".
func (i Indicator) String() string { return string(i.Kind) + " " + i.Value }

// Internal reports whether the indicator must never be sent to an external
// provider by default: a non-public IP; a URL whose host is a non-public IP or
// an internal name, or that carries a password; a domain, host name or e-mail
// address whose name is internal. A name is internal when it has one label,
// when its top-level domain is not a delegated ICANN TLD (.local, .internal,
// .lan, .corp, .localdomain, .intranet, and the reserved .example, .test,
// .invalid, .localhost, .alt) or when it is under .arpa (home.arpa, reverse
// DNS). Hashes are never internal; an unknown kind or a value that does not
// parse is always internal.
func (i Indicator) Internal() bool {
	switch i.Kind {
	case MD5, SHA1, SHA256:
		return false
	case IPv4, IPv6:
		s := i.Scope
		if s == "" {
			a, err := netip.ParseAddr(i.Value)
			if err != nil {
				return true
			}
			s = ScopeOf(a)
		}
		return s != Public
	case Domain, Hostname:
		return internalName(i.Value)
	case Email:
		at := strings.LastIndexByte(i.Value, '@')
		return at < 0 || internalName(i.Value[at+1:])
	case URL:
		u, err := splitURL(i.Value)
		if err != nil {
			return true
		}
		if strings.Contains(u.userinfo, ":") {
			return true
		}
		if a, ok := hostAddr(u.host); ok {
			return ScopeOf(a) != Public
		}
		return internalName(u.host)
	}
	return true
}

// internalName reports whether a domain or host name can only be meaningful
// inside an organisation.
func internalName(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return true
	}
	tld := name[dot+1:]
	return tld == "arpa" || !icannTLD(tld)
}
