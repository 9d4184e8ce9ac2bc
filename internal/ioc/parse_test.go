package ioc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Indicator
	}{
		// IPv4.
		{"203.0.113.7", Indicator{IPv4, "203.0.113.7", Documentation}},
		{" 8.8.8.8\n", Indicator{IPv4, "8.8.8.8", Public}},
		{"198[.]51[.]100[.]7", Indicator{IPv4, "198.51.100.7", Documentation}},
		{"10(.)0(.)0(.)1", Indicator{IPv4, "10.0.0.1", Private}},
		{"1.2.3.4:443", Indicator{IPv4, "1.2.3.4", Public}},
		{"127.0.0.1", Indicator{IPv4, "127.0.0.1", Loopback}},
		{"100.64.1.1", Indicator{IPv4, "100.64.1.1", CGNAT}},
		// IPv6 in its forms.
		{"2001:db8::1", Indicator{IPv6, "2001:db8::1", Documentation}},
		{"2001:0DB8:0000:0000:0000:0000:0000:0001", Indicator{IPv6, "2001:db8::1", Documentation}},
		{"2606:4700:4700::1111", Indicator{IPv6, "2606:4700:4700::1111", Public}},
		{"[2001:db8::1]:443", Indicator{IPv6, "2001:db8::1", Documentation}},
		{"[2001:db8::1]", Indicator{IPv6, "2001:db8::1", Documentation}},
		{"fe80::1%eth0", Indicator{IPv6, "fe80::1", LinkLocal}},
		{"[fe80::1%eth0]:22", Indicator{IPv6, "fe80::1", LinkLocal}},
		{"::1", Indicator{IPv6, "::1", Loopback}},
		{"::", Indicator{IPv6, "::", Unspecified}},
		{"64:ff9b::192.0.2.33", Indicator{IPv6, "64:ff9b::c000:221", Documentation}},
		{"::ffff:198.51.100.7", Indicator{IPv4, "198.51.100.7", Documentation}},
		{"fd00::a:b", Indicator{IPv6, "fd00::a:b", Private}},
		// Hashes of each length, any case.
		{"D41D8CD98F00B204E9800998ECF8427E", Indicator{MD5, "d41d8cd98f00b204e9800998ecf8427e", ""}},
		{"da39a3ee5e6b4b0d3255bfef95601890afd80709", Indicator{SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", ""}},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Indicator{SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ""}},
		// Domains and host names.
		{"example.com", Indicator{Domain, "example.com", ""}},
		{"Example.COM.", Indicator{Domain, "example.com", ""}},
		{"www.example.com", Indicator{Hostname, "www.example.com", ""}},
		{"example.co.uk", Indicator{Domain, "example.co.uk", ""}},
		{"mail.example.co.uk", Indicator{Hostname, "mail.example.co.uk", ""}},
		{"evil[.]example[.]com", Indicator{Hostname, "evil.example.com", ""}},
		{"evil dot com", Indicator{Domain, "evil.com", ""}},
		{"evil.blogspot.com", Indicator{Domain, "evil.blogspot.com", ""}},
		{"a.evil.blogspot.com", Indicator{Hostname, "a.evil.blogspot.com", ""}},
		{"github.io", Indicator{Domain, "github.io", ""}},
		{"invoice.zip", Indicator{Domain, "invoice.zip", ""}},
		{"example.mov", Indicator{Domain, "example.mov", ""}},
		{"evil.com:8080", Indicator{Domain, "evil.com", ""}},
		{"_dmarc.example.com", Indicator{Hostname, "_dmarc.example.com", ""}},
		{"xn--bcher-kva.de", Indicator{Domain, "xn--bcher-kva.de", ""}},
		{"bücher.de", Indicator{Domain, "xn--bcher-kva.de", ""}},
		{"例え.jp", Indicator{Domain, "xn--r8jz45g.jp", ""}},
		{"www.example", Indicator{Domain, "www.example", ""}}, // eTLD+1 under a reserved TLD
		{"a.www.example", Indicator{Hostname, "a.www.example", ""}},
		{"foo.test", Indicator{Domain, "foo.test", ""}},
		{"dc01.contoso.local", Indicator{Hostname, "dc01.contoso.local", ""}},
		{"contoso.local", Indicator{Domain, "contoso.local", ""}},
		{"printer.home.arpa", Indicator{Domain, "printer.home.arpa", ""}},
		{"localhost", Indicator{Hostname, "localhost", ""}},
		{"x.ck", Indicator{Domain, "x.ck", ""}}, // ck is only on the list as *.ck
		// URLs.
		{"hxxps://evil[.]example[.]com/a", Indicator{URL, "https://evil.example.com/a", ""}},
		{"HTTP://Evil.Example.COM/Path?Q=A#F", Indicator{URL, "http://evil.example.com/Path?Q=A#F", ""}},
		{"hXXp[:]//evil[.]com", Indicator{URL, "http://evil.com", ""}},
		{"fxp://files.example.org/x", Indicator{URL, "ftp://files.example.org/x", ""}},
		{"sftp://user@host.example.net:2222/", Indicator{URL, "sftp://user@host.example.net:2222/", ""}},
		{"http://198.51.100.7/a.ps1", Indicator{URL, "http://198.51.100.7/a.ps1", Documentation}},
		{"http://[2001:DB8::1]:8080/x", Indicator{URL, "http://[2001:db8::1]:8080/x", Documentation}},
		{"https://10.1.1.1", Indicator{URL, "https://10.1.1.1", Private}},
		{"https://evil.com./a", Indicator{URL, "https://evil.com/a", ""}},
		{"https://evil.com:/a", Indicator{URL, "https://evil.com/a", ""}},
		{"http://münchen.de/", Indicator{URL, "http://xn--mnchen-3ya.de/", ""}},
		{"www.example.com/path", Indicator{URL, "http://www.example.com/path", ""}},
		{"evil.com:8080/x.sh", Indicator{URL, "http://evil.com:8080/x.sh", ""}},
		// E-mail addresses.
		{"user@example.com", Indicator{Email, "user@example.com", ""}},
		{"User.Name+tag@Example.COM", Indicator{Email, "user.name+tag@example.com", ""}},
		{"user[at]example.com", Indicator{Email, "user@example.com", ""}},
		{"user (at) example (dot) com", Indicator{Email, "user@example.com", ""}},
		{"user@sub.contoso.onmicrosoft.com", Indicator{Email, "user@sub.contoso.onmicrosoft.com", ""}},
		{"svc@contoso.local", Indicator{Email, "svc@contoso.local", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", "empty value"},
		{"   ", "empty value"},
		{"cmd.exe", `"exe" is not a top-level domain`},
		{"svchost.dll", `"dll" is not a top-level domain`},
		{"report.pdf", `"pdf" is not a top-level domain`},
		{"a.ps1", `"ps1" is not a top-level domain`},
		{"System.Net.WebClient", `"webclient" is not a top-level domain`},
		{"foo", "single label"},
		{"DC01", "single label"},
		{"com", "single label"},
		{"1.2.3.4.5", "not a valid IPv4 address"},
		{"256.1.1.1", "not a valid IPv4 address"},
		{"010.0.0.1", "not a valid IPv4 address"}, // octal or decimal?
		{"1.2.3", "not a valid IPv4 address"},
		{"10.0.0.0/8", "no valid host before the path"},
		{"2001:db8::g", "not a valid IPv6 address"},
		{"1:2:3:4:5:6:7:8:9", "not a valid IPv6 address"},
		{"d41d8cd98f00b204e9800998ecf8427", "31 hex digits"},
		{"d41d8cd98f00b204e9800998ecf8427ee", "33 hex digits"},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855e3b0c44298fc1c149afbf4c8996fb924", "96 hex digits"},
		{"evil .com", "white space"},
		{"file:///etc/passwd", `unsupported URL scheme "file"`},
		{"javascript://x.com", `unsupported URL scheme "javascript"`},
		{"http://", "no host"},
		{"http:///path", "no host"},
		{"http://cmd.exe/", `"exe" is not a top-level domain`},
		{"http://evil.com:99999/", "port 99999 out of range"},
		{"http://evil.com:http/", `bad port "http"`},
		{"http://[2001:db8::1/", "bad IPv6 host"},
		{"http://999.1.1.1/", "bad IPv4 host"},
		{"user@", "e-mail domain: empty name"},
		{"@example.com", "local part is empty"},
		{"a..b@example.com", "misplaced dot"},
		{"user@cmd.exe", `e-mail domain: "exe" is not a top-level domain`},
		{"-evil.com", "starts or ends with a hyphen"},
		{"evil..com", "empty label"},
		{"my_host.com", "underscore in the registered domain"},
		{strings.Repeat("a", 64) + ".com", "longer than 63"},
		{strings.Repeat("a.", 130) + "com", "longer than 253"},
		{"evil.com:abc", `bad port "abc"`},
		{"evil.c0m", `"c0m" is not a top-level domain`},
	}
	for _, tt := range tests {
		t.Run(shorten(tt.in), func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error containing %q", tt.in, got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), shorten(strings.TrimSpace(tt.in))) {
				t.Errorf("Parse(%q) error = %q does not name the value", tt.in, err)
			}
		})
	}
}

func TestKind(t *testing.T) {
	var hashes, ips []Kind
	for _, k := range []Kind{IPv4, IPv6, Domain, Hostname, URL, MD5, SHA1, SHA256, Email} {
		if k.IsHash() {
			hashes = append(hashes, k)
		}
		if k.IsIP() {
			ips = append(ips, k)
		}
	}
	if diff := cmp.Diff([]Kind{MD5, SHA1, SHA256}, hashes); diff != "" {
		t.Errorf("IsHash mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Kind{IPv4, IPv6}, ips); diff != "" {
		t.Errorf("IsIP mismatch (-want +got):\n%s", diff)
	}
}

func TestIndicatorString(t *testing.T) {
	got := Indicator{Kind: IPv4, Value: "203.0.113.7", Scope: Documentation}.String()
	if want := "ipv4 203.0.113.7"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestIndicatorJSON(t *testing.T) {
	b, err := json.Marshal([]Indicator{
		{Kind: IPv4, Value: "10.0.0.1", Scope: Private},
		{Kind: Domain, Value: "example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"ipv4","value":"10.0.0.1","scope":"private"},{"type":"domain","value":"example.com"}]`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", diff)
	}
}

func TestWithheld(t *testing.T) {
	tests := []struct {
		ind  Indicator
		want Withholding
	}{
		{Indicator{Kind: IPv4, Value: "8.8.8.8", Scope: Public}, ""},
		{Indicator{Kind: IPv4, Value: "10.0.0.1", Scope: Private}, WithheldInternal},
		{Indicator{Kind: IPv4, Value: "10.0.0.1"}, WithheldInternal},  // scope derived from the value
		{Indicator{Kind: IPv4, Value: "8.8.8.8"}, ""},                 // scope derived from the value
		{Indicator{Kind: IPv4, Value: "not-an-ip"}, WithheldInternal}, // unparseable: keep it in
		{Indicator{Kind: IPv6, Value: "fe80::1"}, WithheldInternal},
		{Indicator{Kind: IPv6, Value: "fd00::1"}, WithheldInternal},
		{Indicator{Kind: IPv6, Value: "2001:db8::1"}, WithheldReserved},
		{Indicator{Kind: IPv4, Value: "203.0.113.66"}, WithheldReserved},
		{Indicator{Kind: IPv4, Value: "198.18.0.1"}, WithheldReserved}, // benchmarking
		{Indicator{Kind: IPv4, Value: "100.64.0.1"}, WithheldInternal}, // shared (CGNAT)
		{Indicator{Kind: IPv4, Value: "127.0.0.1"}, WithheldInternal},
		{Indicator{Kind: IPv4, Value: "224.0.0.251"}, WithheldReserved},
		{Indicator{Kind: Hostname, Value: "test"}, WithheldInternal}, // one label, not the TLD
		{Indicator{Kind: IPv6, Value: "2606:4700:4700::1111"}, ""},
		{Indicator{Kind: Domain, Value: "example.com"}, ""},
		{Indicator{Kind: Hostname, Value: "www.example.co.uk"}, ""},
		{Indicator{Kind: Hostname, Value: "dc01"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "localhost"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "dc01.contoso.local"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "db.svc.internal"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "nas.lan"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "ws1.contoso.corp"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "printer.home.arpa"}, WithheldInternal},
		{Indicator{Kind: Hostname, Value: "7.100.51.198.in-addr.arpa"}, WithheldInternal},
		{Indicator{Kind: Domain, Value: "foo.test"}, WithheldReserved},
		{Indicator{Kind: Domain, Value: "foo.example"}, WithheldReserved},
		{Indicator{Kind: Hostname, Value: "www.evil.example."}, WithheldReserved},
		{Indicator{Kind: Domain, Value: "foo.invalid"}, WithheldReserved},
		{Indicator{Kind: Email, Value: "ceo@contoso-demo.example"}, WithheldReserved},
		{Indicator{Kind: Domain, Value: "x.onion"}, ""},
		{Indicator{Kind: Email, Value: "bob@example.com"}, ""},
		{Indicator{Kind: Email, Value: "svc@contoso.local"}, WithheldInternal},
		{Indicator{Kind: URL, Value: "https://evil.example.com/a"}, ""},
		{Indicator{Kind: URL, Value: "http://10.0.0.5:8080/x", Scope: Private}, WithheldInternal},
		{Indicator{Kind: URL, Value: "http://[fe80::1]/x"}, WithheldInternal},
		{Indicator{Kind: URL, Value: "http://198.51.100.7/"}, WithheldReserved},
		{Indicator{Kind: URL, Value: "http://8.8.8.8/"}, ""},
		{Indicator{Kind: URL, Value: "http://intranet.contoso.local/"}, WithheldInternal},
		{Indicator{Kind: URL, Value: "https://admin:hunter2@example.com/"}, WithheldCredentials}, // carries a password
		{Indicator{Kind: URL, Value: "https://paypal.com@evil.example/"}, WithheldReserved},
		{Indicator{Kind: URL, Value: "https://paypal.com@evil.com/"}, ""},
		{Indicator{Kind: URL, Value: "not a url"}, WithheldInternal},
		{Indicator{Kind: MD5, Value: "d41d8cd98f00b204e9800998ecf8427e"}, ""},
		{Indicator{Kind: "registry-key", Value: "HKLM"}, WithheldInternal},
	}
	for _, tt := range tests {
		t.Run(tt.ind.String(), func(t *testing.T) {
			if got := tt.ind.Withheld(); got != tt.want {
				t.Errorf("%v.Withheld() = %q, want %q", tt.ind, got, tt.want)
			}
			if got := tt.ind.Internal(); got != (tt.want != "") {
				t.Errorf("%v.Internal() = %v, want %v", tt.ind, got, tt.want != "")
			}
		})
	}
}

func TestParseInternal(t *testing.T) {
	for in, want := range map[string]bool{
		"192.168.1.10":        true,
		"203.0.113.7":         true,
		"8.8.8.8":             false,
		"http://[::1]:8080/":  true,
		"https://example.com": false,
		"dc01.contoso.local":  true,
	} {
		ind, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := ind.Internal(); got != want {
			t.Errorf("Parse(%q).Internal() = %v, want %v", in, got, want)
		}
	}
}
