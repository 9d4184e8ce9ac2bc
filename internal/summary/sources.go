package summary

import (
	"context"

	"github.com/triage-dev/triage/internal/enrich/domain"
)

// DNSFrom makes a domain.Resolver the summaries' Resolver.
func DNSFrom(r domain.Resolver) Resolver { return dnsResolver{r} }

type dnsResolver struct{ r domain.Resolver }

func (d dnsResolver) Resolve(ctx context.Context, name string) (DNSAnswers, error) {
	a, err := d.r.Resolve(ctx, name)
	return DNSAnswers{A: a.A, AAAA: a.AAAA, CNAME: a.CNAME, MX: a.MX, NS: a.NS, Errors: a.Errors}, err
}
