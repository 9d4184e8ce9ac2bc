// Package enrich defines what the entity summaries learn about an address or
// a name from outside the workspace, and the sources that tell it: where an
// address is (Locator), who registered its network or a domain (Registry),
// and what DNS answers for a name (Resolver).
//
// The types are defined here once; the sources return them as they are:
// package geoip (locations), package rdap (registrations), package domain's
// Resolver (DNS answers), and the demo's own registry and DNS, which know its
// reserved addresses and names.
//
// A source that does not know the value asked about says so with an error
// that matches ErrUnknown: the summaries show that as "no record", not as a
// failure. Any other error is a failure to find out.
package enrich

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// ErrUnknown is matched (errors.Is) by the error a source returns when it
// does not know the value asked about: no database holds the address, no
// registry has a record of the network or the domain. It is distinct from a
// failure to ask (a timeout, a refused request, a broken database).
var ErrUnknown = errors.New("not known to the source")

// Unknown returns an error that says msg and matches ErrUnknown: a source's
// own "not found" error, which its callers may also match by itself.
func Unknown(msg string) error { return unknownError(msg) }

type unknownError string

func (e unknownError) Error() string        { return string(e) }
func (e unknownError) Is(target error) bool { return target == ErrUnknown }

// Locator finds where an address is. Locate's error matches ErrUnknown when
// no source knows the address. Implementations are safe for concurrent use.
type Locator interface {
	Locate(ctx context.Context, addr netip.Addr) (Location, error)
}

// Location is what is known of where an address is and who routes it.
// Empty strings and zero numbers are unknown.
type Location struct {
	CountryCode string  `json:"country_code,omitempty"` // ISO 3166-1 alpha-2, e.g. "GB"
	Country     string  `json:"country,omitempty"`      // English name, when the source has names
	Region      string  `json:"region,omitempty"`       // the largest subdivision: state, province, nation
	City        string  `json:"city,omitempty"`
	Latitude    float64 `json:"latitude,omitempty"`
	Longitude   float64 `json:"longitude,omitempty"`
	ASN         uint    `json:"asn,omitempty"`
	ASOrg       string  `json:"as_org,omitempty"`
	// Network is the matching prefix, e.g. "81.2.69.0/24", of the source
	// that gave the location (of the AS source when none knows the
	// location).
	Network string `json:"network,omitempty"`
	// Source names what answered: database file names joined by ", ",
	// "static" for fixed entries, or another source's own name.
	Source string `json:"source,omitempty"`
}

// Registry finds who registered the network holding an address, or a
// domain (RDAP, or the demo's registry). Errors match ErrUnknown when the
// registry has no record. Implementations are safe for concurrent use.
type Registry interface {
	Network(ctx context.Context, addr netip.Addr) (Network, error)
	Domain(ctx context.Context, name string) (Registration, error)
}

// Network is the registration of the network that holds an address.
type Network struct {
	Handle       string
	Name         string
	Type         string // "DIRECT ALLOCATION", "ASSIGNED PA"...
	Country      string // two-letter code, when the registry gives one
	CIDR         string // the range as prefixes, ", "-separated
	StartAddress string
	EndAddress   string
	ParentHandle string
	// Org is the registrant's name; empty when the registry names none.
	Org string
	// AbuseEmail is where to report abuse of the network.
	AbuseEmail string
	// Registered and Updated are when the network was registered and last
	// changed.
	Registered time.Time
	Updated    time.Time
	// Source is what answered: the RDAP base URL (after redirects), or
	// another registry's name.
	Source string
}

// Registration is the registration of a domain name.
type Registration struct {
	Handle    string
	Name      string // lower-case A-label form
	Registrar string
	// Created, Updated and Expires are when the domain was registered,
	// last changed, and when its registration ends.
	Created     time.Time
	Updated     time.Time
	Expires     time.Time
	Nameservers []string // lower-case, without the final dot
	Status      []string // "client transfer prohibited"...
	// Source is what answered: the RDAP base URL (after redirects), or
	// another registry's name.
	Source string
}

// Resolver asks DNS about a name. A question without an answer is in
// DNSAnswers.Errors; the error is for a name that was not asked about at
// all, or whose every question failed. Implementations are safe for
// concurrent use.
type Resolver interface {
	Resolve(ctx context.Context, name string) (DNSAnswers, error)
}

// DNSAnswers are what DNS said about a name. Names are lower-case without
// the trailing dot; every list is sorted and has no duplicates.
type DNSAnswers struct {
	A    []string `json:"a,omitempty"`    // IPv4 addresses
	AAAA []string `json:"aaaa,omitempty"` // IPv6 addresses
	// CNAME is the canonical name the name is an alias of, when it differs
	// from the name.
	CNAME []string `json:"cname,omitempty"`
	// MX are the mail exchangers, most preferred first; "." is a null MX (the
	// domain takes no mail).
	MX []string `json:"mx,omitempty"`
	NS []string `json:"ns,omitempty"`
	// Errors says, per record type ("A", "AAAA", "CNAME", "MX", "NS"), why
	// there is no answer: "no such host" (the name or that record type does
	// not exist), "timeout", "canceled", or the resolver's own words. nil
	// when every question was answered.
	Errors map[string]string `json:"errors,omitempty"`
}
