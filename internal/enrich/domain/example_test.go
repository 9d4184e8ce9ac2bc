package domain_test

import (
	"fmt"

	"github.com/triage-dev/triage/internal/enrich/domain"
)

func ExampleAnalyze() {
	for _, name := range []string{"xn--80ak6aa92e.com", "login.evil.example.co.uk", "foo.github.io", "evil.zzzz"} {
		f := domain.Analyze(name)
		fmt.Printf("%s: unicode=%q registered=%q suffix=%q icann=%v known_tld=%v scripts=%v mixed=%v look_alike=%q entropy=%.2f\n",
			f.Name, f.Unicode, f.Registered, f.Suffix, f.ICANN, f.KnownTLD, f.Scripts, f.MixedScript, f.LookAlike, f.Entropy)
	}
	// Output:
	// xn--80ak6aa92e.com: unicode="аррӏе.com" registered="xn--80ak6aa92e.com" suffix="com" icann=true known_tld=true scripts=[Cyrillic Latin] mixed=false look_alike="apple.com" entropy=1.92
	// login.evil.example.co.uk: unicode="" registered="example.co.uk" suffix="co.uk" icann=true known_tld=true scripts=[Latin] mixed=false look_alike="" entropy=2.52
	// foo.github.io: unicode="" registered="foo.github.io" suffix="github.io" icann=false known_tld=true scripts=[Latin] mixed=false look_alike="" entropy=0.92
	// evil.zzzz: unicode="" registered="evil.zzzz" suffix="zzzz" icann=false known_tld=false scripts=[Latin] mixed=false look_alike="" entropy=2.00
}

func ExampleParseURL() {
	for _, raw := range []string{
		"hxxps://paypal.com@p\u0430ypal[.]com:8443/signin?next=%2F#top",
		"http://0x7f.1/admin",
		"mailto:bob@example.com",
	} {
		u, err := domain.ParseURL(raw)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("scheme=%s host=%s port=%q path=%q query=%q fragment=%q userinfo=%v ip=%v look_alike=%q\n",
			u.Scheme, u.Host, u.Port, u.Path, u.Query, u.Fragment, u.UserInfo, u.IPHost, u.Facts.LookAlike)
	}
	// Output:
	// scheme=https host=xn--pypal-4ve.com port="8443" path="/signin" query="next=%2F" fragment="top" userinfo=true ip=false look_alike="paypal.com"
	// scheme=http host=127.0.0.1 port="" path="/admin" query="" fragment="" userinfo=false ip=true look_alike=""
	// domain: "mailto:REDACTED@example.com" is not a URL: no "//" after "mailto:"
}
