// Package intel asks threat-intelligence providers about indicators. It defines
// the Provider interface, the Spec each provider package declares itself with
// (listed in intel/providers, built by intel/registry), the one result
// envelope every provider × indicator yields, and the Engine that runs
// lookups concurrently, keeps indicators that must stay private away from
// external providers, and rolls the results up into one verdict.
package intel

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/ioc"
)

// Status says what became of one lookup. Only StatusOK carries a verdict.
type Status string

// The lookup statuses.
const (
	StatusOK            Status = "ok"
	StatusNotFound      Status = "not_found"
	StatusError         Status = "error"
	StatusRateLimited   Status = "rate_limited"
	StatusTimeout       Status = "timeout"
	StatusSkipped       Status = "skipped"
	StatusNotConfigured Status = "not_configured"
	StatusUnsupported   Status = "unsupported"
)

// Severity is msticpy's threat-intel severity scale. SeverityNone is only used
// for an incident's roll-up: every answer came back clean or not found.
type Severity string

// The severities, lowest first.
const (
	SeverityUnknown     Severity = "unknown"
	SeverityNone        Severity = "none"
	SeverityInformation Severity = "information"
	SeverityWarning     Severity = "warning"
	SeverityHigh        Severity = "high"
)

// Rank orders severities: unknown 0, none 1, information 2, warning 3, high 4.
func (s Severity) Rank() int {
	switch s {
	case SeverityNone:
		return 1
	case SeverityInformation:
		return 2
	case SeverityWarning:
		return 3
	case SeverityHigh:
		return 4
	}
	return 0
}

// BySeverity orders results for a reader, as a slices.SortFunc comparison:
// most severe first, then by indicator and provider, so that what matters
// is at the top of a long table. Failed and skipped lookups have severity
// unknown and come last.
func BySeverity(a, b Result) int {
	return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
		cmp.Compare(a.Indicator, b.Indicator), cmp.Compare(a.Provider, b.Provider))
}

// Result is the envelope of one provider × indicator lookup.
type Result struct {
	Indicator string   `json:"indicator"`
	Type      ioc.Kind `json:"type"`
	Provider  string   `json:"provider"`
	Status    Status   `json:"status"`
	// Reason says why a lookup was skipped, failed or is not configured.
	Reason   string   `json:"reason,omitempty"`
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary,omitempty"`
	// Details are the provider's own facts, by its own names; facts other
	// packages read are typed fields, such as PassiveDNS.
	Details map[string]any `json:"details,omitempty"`
	// PassiveDNS is the provider's passive DNS of the indicator, when it
	// was asked for (VirusTotal's resolutions, OTX's passive DNS).
	PassiveDNS *PassiveDNS     `json:"passive_dns,omitempty"`
	Link       string          `json:"link,omitempty"`
	Raw        json.RawMessage `json:"raw,omitempty"`
	FromCache  bool            `json:"from_cache"`
	FetchedAt  time.Time       `json:"fetched_at,omitzero"`
}

// PassiveDNS is what a provider's passive DNS says of an address or a name:
// the records it gave, in its order, or why asking for them failed (the
// lookup itself did not).
type PassiveDNS struct {
	Records []Resolution `json:"records"`
	// Total is how many records the provider has, more than Records when
	// it gave only the first few; 0 when it did not say.
	Total int `json:"total,omitempty"`
	// Err says why the passive DNS request failed; Records is then empty.
	Err string `json:"error,omitempty"`
}

// Resolution is one passive DNS record: a name seen resolving to an
// address. A time the provider did not give, or gave in no form it
// documents, is zero.
type Resolution struct {
	Name    string    `json:"name,omitempty"`
	Address string    `json:"address,omitempty"`
	Type    string    `json:"type,omitempty"` // the record type: A, AAAA, CNAME, ...
	First   time.Time `json:"first,omitzero"`
	Last    time.Time `json:"last,omitzero"`
	// Date is when the provider saw the resolution, for a provider that
	// gives one date rather than First and Last (VirusTotal).
	Date time.Time `json:"date,omitzero"`
	ASN  string    `json:"asn,omitempty"`
}

// Provider looks up indicators in one threat-intelligence source.
//
// A Provider is safe for concurrent use and does not cache, retry or
// rate-limit: the Engine does that around it. Lookup returns a Result with
// Status ok for an answer (clean or not), or an error: one wrapping
// ErrNotFound when the source has never heard of the indicator,
// ErrUnsupported for a kind it cannot look up, ErrUnauthorized for a rejected
// key, a *RateLimitError when throttled, or any other error for a failure. A
// failure is never returned as a Result.
type Provider interface {
	// Name is the stable lower-case id used in config, cache keys and output.
	Name() string
	// Supports reports whether the provider can look up indicators of kind k.
	Supports(k ioc.Kind) bool
	// External reports whether lookups leave the organisation. Indicators
	// that are Internal are never given to an external provider.
	External() bool
	Lookup(ctx context.Context, ind ioc.Indicator) (Result, error)
}

// BatchProvider is a Provider that can answer many indicators in one call.
// LookupBatch returns one result per indicator it found; indicators missing
// from the answer are taken as not found. An error fails the whole batch.
type BatchProvider interface {
	Provider
	LookupBatch(ctx context.Context, inds []ioc.Indicator) ([]Result, error)
}

// Errors providers return (wrapped) to say what went wrong.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnsupported  = errors.New("indicator type not supported")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrTransient is a failure worth retrying: a 5xx answer, a dropped
	// connection, a refused one.
	ErrTransient = errors.New("temporary failure")
	// ErrMalformed is an answer that cannot be read: not JSON, not the
	// expected shape, larger than allowed.
	ErrMalformed = errors.New("malformed answer")
	// ErrNotConfigured is a provider that cannot answer here because what
	// it reads is not there (sentinel-ti on a workspace without a
	// threat-intelligence table): its lookups are not_configured, as a
	// provider that is not set up, never failures.
	ErrNotConfigured = errors.New("cannot run here")
)

// RateLimitError is returned when a provider throttles requests.
type RateLimitError struct {
	RetryAfter time.Duration // zero when the provider did not say
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited, retry after %s", e.RetryAfter)
	}
	return "rate limited"
}
