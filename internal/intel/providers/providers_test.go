package providers

import (
	"strings"
	"testing"
)

// TestNamesAreOneEach: a name, an alias or an msticpy name stands for one
// provider only, and every one of them is found.
func TestNamesAreOneEach(t *testing.T) {
	names, msticpy := map[string]string{}, map[string]string{}
	for _, s := range All {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			if other, dup := names[n]; dup {
				t.Errorf("%q names both %s and %s", n, other, s.Name)
			}
			names[n] = s.Name
		}
		for _, n := range s.MsticpyNames {
			if other, dup := msticpy[n]; dup {
				t.Errorf("msticpy's %q names both %s and %s", n, other, s.Name)
			}
			msticpy[n] = s.Name
		}
	}
	for n, want := range names {
		if got, ok := Find(" " + strings.ToUpper(n) + " "); !ok || got.Name != want {
			t.Errorf("Find(%q) = %q, %v; want %s", n, got.Name, ok, want)
		}
	}
	for n, want := range msticpy {
		if got, ok := FindMsticpy(strings.ToUpper(n)); !ok || got.Name != want {
			t.Errorf("FindMsticpy(%q) = %q, %v; want %s", n, got.Name, ok, want)
		}
	}
	if _, ok := Find("shodan"); ok {
		t.Error("Find finds a provider triage does not have")
	}
	if got := Names(); len(got) != len(All) || got[0] != All[0].Name {
		t.Errorf("Names() = %v", got)
	}
}
