package ioc

import (
	"fmt"
	"testing"

	"golang.org/x/net/publicsuffix"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{"com", "x.com", "ck", "x.ck", "exe", "x.exe", "x.zip", "x.mov", "x.blogspot.com", "blogspot.com", "home.arpa", "x.home.arpa", "x.onion", "x.internal", "x.local", "x.py", "x.sh", "x.so", "x.md", "x.rs", "x.ps", "x.pm", "x.cat", "x.cab", "x.ws", "x.mo", "x.am", "x.ac", "x.mk", "x.mm", "x.la", "x.ml", "x.as", "x.gs", "x.one", "x.security", "x.management", "x.network", "x.windows", "x.io", "x.net", "x.nip.io", "x.github.io", "x.js.org", "x.app", "x.bin", "x.log", "x.dev", "x.test", "x.example", "x.alt", "x.compute", "x.core", "x.data", "x.web", "x.text","x.file","x.exchange","x.azure","x.office", "x.next", "x.lan", "x.corp", "x.in-addr.arpa", "x.pdf", "x.doc", "x.js", "x.bat", "x.mp", "x.tf", "x.pt","x.pub","x.pro","x.ai","x.cc","x.pl","x.ru", "x.py", "x.cfd", "x.key", "x.docs", "x.link", "x.sc", "x.bz", "x.cs", "x.ts", "x.go", "x.h", "x.c", "x.vb", "x.st", "x.ink", "x.ps1"} {
		ps, icann := publicsuffix.PublicSuffix(s)
		e, err := publicsuffix.EffectiveTLDPlusOne(s)
		fmt.Printf("%-18s ps=%-14s icann=%-5v etld1=%s %v\n", s, ps, icann, e, err)
	}
}
