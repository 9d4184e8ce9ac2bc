package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in   string
		want URL
	}{
		{"https://user:hunter2@login.example.co.uk:8443/a/b.php?x=1&y=2#top", URL{
			Scheme: "https", Host: "login.example.co.uk", Port: "8443", Path: "/a/b.php", Query: "x=1&y=2",
			Fragment: "top", UserInfo: true,
		}},
		{"HTTP://Evil.Example.COM/Path?Q=A#F", URL{
			Scheme: "http", Host: "evil.example.com", Path: "/Path", Query: "Q=A", Fragment: "F",
		}},
		{"https://example.com", URL{Scheme: "https", Host: "example.com"}},
		{"https://example.com?q", URL{Scheme: "https", Host: "example.com", Query: "q"}},
		{"https://example.com#frag?not-a-query", URL{Scheme: "https", Host: "example.com", Fragment: "frag?not-a-query"}},
		// Defanged.
		{"hxxps://evil[.]example[.]com/payload.exe", URL{Scheme: "https", Host: "evil.example.com", Path: "/payload.exe"}},
		{"hXXp[:]//198[.]51[.]100[.]7/a.ps1", URL{Scheme: "http", Host: "198.51.100.7", Path: "/a.ps1", IPHost: true}},
		{"fxp://files(.)example(.)org", URL{Scheme: "ftp", Host: "files.example.org"}},
		// Ports.
		{"http://evil.com:8080/x", URL{Scheme: "http", Host: "evil.com", Port: "8080", Path: "/x"}},
		{"https://evil.com:/a", URL{Scheme: "https", Host: "evil.com", Path: "/a"}},
		{"http://evil.com:0080/", URL{Scheme: "http", Host: "evil.com", Port: "80", Path: "/"}},
		{"http://evil.com:65535", URL{Scheme: "http", Host: "evil.com", Port: "65535"}},
		// IP hosts.
		{"http://[2001:DB8::1]:8080/x", URL{Scheme: "http", Host: "2001:db8::1", Port: "8080", Path: "/x", IPHost: true}},
		{"http://[fe80::1%25eth0]/", URL{Scheme: "http", Host: "fe80::1", Path: "/", IPHost: true}},
		{"http://[::ffff:198.51.100.7]/", URL{Scheme: "http", Host: "::ffff:198.51.100.7", Path: "/", IPHost: true}},
		{"http://203.0.113.9:443", URL{Scheme: "http", Host: "203.0.113.9", Port: "443", IPHost: true}},
		// IPv4 written as browsers still read it.
		{"http://2130706433/", URL{Scheme: "http", Host: "127.0.0.1", Path: "/", IPHost: true}},
		{"http://0x7f.1/", URL{Scheme: "http", Host: "127.0.0.1", Path: "/", IPHost: true}},
		{"http://0177.0.0.01/", URL{Scheme: "http", Host: "127.0.0.1", Path: "/", IPHost: true}},
		{"http://198.51.100.7./", URL{Scheme: "http", Host: "198.51.100.7", Path: "/", IPHost: true}},
		{"http://１９８.５１.１００.７/", URL{Scheme: "http", Host: "198.51.100.7", Path: "/", IPHost: true}},
		// User information: a phishing classic.
		{"https://paypal.com@evil.example/login", URL{Scheme: "https", Host: "evil.example", Path: "/login", UserInfo: true}},
		{"https://a@b@evil.com/", URL{Scheme: "https", Host: "evil.com", Path: "/", UserInfo: true}},
		{"http://@evil.com/", URL{Scheme: "http", Host: "evil.com", Path: "/"}},
		{"https://evil.com/?next=user@good.example", URL{Scheme: "https", Host: "evil.com", Path: "/", Query: "next=user@good.example"}},
		// Browser leniency attackers rely on.
		{`http://evil.example\@good.example/`, URL{Scheme: "http", Host: "evil.example", Path: "/@good.example/"}},
		{`http:\\evil.com\a\b`, URL{Scheme: "http", Host: "evil.com", Path: "/a/b"}},
		{"http:///evil.com/x", URL{Scheme: "http", Host: "evil.com", Path: "/x"}},
		{"http://%65vil.com/", URL{Scheme: "http", Host: "evil.com", Path: "/"}},
		{" https://exa\r\nmple.com/\t ", URL{Scheme: "https", Host: "example.com", Path: "/"}},
		// Other schemes keep "\" in the path.
		{`ldap://dc01.contoso.local/cn=a\,b`, URL{Scheme: "ldap", Host: "dc01.contoso.local", Path: `/cn=a\,b`}},
		{"sftp://user@host.example.net:2222/", URL{Scheme: "sftp", Host: "host.example.net", Port: "2222", Path: "/", UserInfo: true}},
		// No scheme, but ioc types it as a URL.
		{"www.example.com/path", URL{Scheme: "http", Host: "www.example.com", Path: "/path"}},
		{"evil.com:8080/x.sh", URL{Scheme: "http", Host: "evil.com", Port: "8080", Path: "/x.sh"}},
		// Internationalised and unknown hosts are parsed; their facts say what they are.
		{"http://münchen.de/", URL{Scheme: "http", Host: "xn--mnchen-3ya.de", Path: "/"}},
		{"https://xn--80ak6aa92e.com/", URL{Scheme: "https", Host: "xn--80ak6aa92e.com", Path: "/"}},
		{"http://evil.zzzz/", URL{Scheme: "http", Host: "evil.zzzz", Path: "/"}},
		{"http://intranet/", URL{Scheme: "http", Host: "intranet", Path: "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseURL(tt.in)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(URL{}, "Facts")); diff != "" {
				t.Errorf("ParseURL(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			// The host's facts are Analyze's, and an IP host has none.
			wantFacts := Facts{}
			if !got.IPHost {
				wantFacts = Analyze(got.Host)
			}
			if diff := cmp.Diff(wantFacts, got.Facts, approx); diff != "" {
				t.Errorf("ParseURL(%q).Facts mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseURLFacts(t *testing.T) {
	u, err := ParseURL("https://p\u0430ypal.com.evil.example.co.uk/signin")
	if err != nil {
		t.Fatal(err)
	}
	f := u.Facts
	if f.Registered != "example.co.uk" || !f.IDN || !f.MixedScript || f.LookAlike != "paypal.com.evil.example.co.uk" {
		t.Errorf("facts of a look-alike host: %+v", f)
	}
	u, err = ParseURL("http://münchen.de/")
	if err != nil {
		t.Fatal(err)
	}
	if u.Facts.Unicode != "münchen.de" || u.Facts.Name != u.Host {
		t.Errorf("facts of an IDN host: %+v", u.Facts)
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty value"},
		{"   ", "empty value"},
		{"evil.com", `no scheme ("http://")`},
		{"198.51.100.7", `no scheme ("http://")`},
		{"not a url", `no scheme ("http://")`},
		{"mailto:bob@example.com", `no "//" after "mailto:"`},
		{"javascript:alert(1)", `no "//" after "javascript:"`},
		{`C:\Windows\System32\cmd.exe`, `no "//" after "C:"`},
		{"http:evil.com", `no "//" after "http:"`},
		{"file:///etc/passwd", "no host"},
		{"http://", "no host"},
		{"http:///", "no host"},
		{"https://:443/", "no host"},
		{"http://evil.com:99999/", "bad port"},
		{"http://evil.com:8o/", "bad port"},
		{"http://evil.com:-1/", "bad port"},
		{"http://[2001:db8::1/", "IPv6 host without a closing bracket"},
		{"http://[2001:db8::1]x/", "bad text after the IPv6 host"},
		{"http://[198.51.100.7]/", `bad IPv6 host "[198.51.100.7]"`},
		{"http://1.2.3.999/", `bad IPv4 host "1.2.3.999"`},
		{"http://1.2.3.4.5/", `bad IPv4 host "1.2.3.4.5"`},
		{"http://example.123/", `bad IPv4 host "example.123"`},
		{"http://0x1g.1/", `bad IPv4 host "0x1g.1"`},
		{"http://exa mple.com/", `host: bad character ' ' in label "exa mple"`},
		{"http://a..example.com/", "host: empty label"},
		{"http://-evil.com/", `host: label "-evil" starts or ends with a hyphen`},
		{"http://%zz.com/", `bad percent-encoding in host "%zz.com"`},
		{"http://%2Fevil.com/", `host: bad character '/' in label "/evil"`},
		{"http://evil.com\x00/", "contains control characters"},
		{"http://evil.com\x7f/", "contains control characters"},
		// A host IDNA refuses has no ASCII form to go to: idna's best effort
		// ("xn--wgbj.1") would not parse again (a fuzzing find).
		{"A://ﴐ.１", `host: not a valid internationalised name: invalid label "ضر.1"`},
		{"http://ﴐ.１/", `host: not a valid internationalised name: invalid label "ضر.1"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseURL(tt.in)
			if err == nil {
				t.Fatalf("ParseURL(%q) = %+v, want an error", tt.in, u)
			}
			if !errors.Is(err, ErrNotURL) {
				t.Errorf("ParseURL(%q) error %v does not wrap ErrNotURL", tt.in, err)
			}
			if !strings.HasPrefix(err.Error(), "domain: ") || !strings.HasSuffix(err.Error(), ": "+tt.reason) {
				t.Errorf("ParseURL(%q) error = %q, want it to end %q", tt.in, err, tt.reason)
			}
			if diff := cmp.Diff(URL{}, u); diff != "" {
				t.Errorf("ParseURL(%q) returned a URL with its error:\n%s", tt.in, diff)
			}
		})
	}
}

// TestParseURLNoPassword checks that a password never comes back, neither in
// the URL nor in an error, however malformed the URL around it.
func TestParseURLNoPassword(t *testing.T) {
	const secret = "hunter2"
	for _, in := range []string{
		"https://admin:hunter2@evil.com/ok",
		"https://admin:hunter2@evil.com:99999/",
		"http://admin:hunter2@exa mple.com/",
		"http://admin:hunter2/x@evil.com",
		"http://admin:hunter2?x@evil.com",
		"http://admin:hunter2#x@evil.com",
		"http://admin:hunter2@",
		"admin:hunter2@evil.com/x",
		"hxxp://admin:hunter2[@]evil[.]com:http/",
		"ftp://admin:hunter2@[2001:db8::1/",
	} {
		u, err := ParseURL(in)
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q) error leaks the password: %v", in, err)
		}
		b, _ := json.Marshal(u)
		if strings.Contains(fmt.Sprintf("%+v %s", u, b), secret) {
			t.Errorf("ParseURL(%q) = %+v leaks the password", in, u)
		}
		if err == nil && !u.UserInfo {
			t.Errorf("ParseURL(%q).UserInfo = false", in)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://evil.com/a", "https://evil.com/a"},
		{"https://user:pw@evil.com/a", "https://REDACTED@evil.com/a"},
		{"mailto:bob@example.com", "mailto:REDACTED@example.com"},
		{"user:pw@evil.com", "user:REDACTED@evil.com"},
		{"a@b", "REDACTED@b"},
		{"https://evil.com/" + strings.Repeat("x", 100), "https://evil.com/" + strings.Repeat("x", 63) + "..."},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
