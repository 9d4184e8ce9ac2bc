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
// provider by default: whenever Withheld gives a reason. Despite the name,
// that is also true of reserved indicators, which belong to no one.
func (i Indicator) Internal() bool { return i.Withheld() != "" }

// Withholding is why an indicator is never sent to an external provider by
// default. The words matter: "internal" reads as "ours", and a documentation
// address an attacker plays from in a test is not ours.
type Withholding string

const (
	// WithheldInternal indicators name something inside a network: a
	// private, shared (CGNAT), loopback, link-local or unspecified address
	// (see Scope.Internal), a name with one label, or a name under a
	// top-level domain only an organisation resolves (.local, .corp, .lan,
	// .internal, .localhost, home.arpa, any undelegated TLD) or under .arpa.
	WithheldInternal Withholding = "internal"
	// WithheldReserved indicators name nothing anywhere: a documentation,
	// benchmarking, multicast, broadcast or other special-use address, or a
	// name under a reserved TLD (.example, .test, .invalid, .alt).
	WithheldReserved Withholding = "reserved"
	// WithheldCredentials is a URL that carries a password.
	WithheldCredentials Withholding = "credentials"
)

// Withheld says why the indicator is never sent to an external provider by
// default, "" when it may be. Hashes are never withheld; an unknown kind or
// a value that does not parse is internal.
func (i Indicator) Withheld() Withholding {
	switch i.Kind {
	case MD5, SHA1, SHA256:
		return ""
	case IPv4, IPv6:
		s := i.Scope
		if s == "" {
			a, err := netip.ParseAddr(i.Value)
			if err != nil {
				return WithheldInternal
			}
			s = ScopeOf(a)
		}
		return scopeWithheld(s)
	case Domain, Hostname:
		return nameWithheld(i.Value)
	case Email:
		at := strings.LastIndexByte(i.Value, '@')
		if at < 0 {
			return WithheldInternal
		}
		return nameWithheld(i.Value[at+1:])
	case URL:
		u, err := splitURL(i.Value)
		if err != nil {
			return WithheldInternal
		}
		if strings.Contains(u.userinfo, ":") {
			return WithheldCredentials
		}
		if a, ok := hostAddr(u.host); ok {
			return scopeWithheld(ScopeOf(a))
		}
		return nameWithheld(u.host)
	}
	return WithheldInternal
}

func scopeWithheld(s Scope) Withholding {
	switch {
	case s == Public:
		return ""
	case s.Internal():
		return WithheldInternal
	}
	return WithheldReserved
}

// reservedTLDs name nothing anywhere (RFC 2606, 6761, 9476).
var reservedTLDs = map[string]bool{"example": true, "test": true, "invalid": true, "alt": true}

func nameWithheld(name string) Withholding {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 && reservedTLDs[name[dot+1:]] {
		return WithheldReserved
	}
	if internalName(name) {
		return WithheldInternal
	}
	return ""
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
