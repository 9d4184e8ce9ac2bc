package enrich

import (
	"errors"
	"fmt"
	"testing"
)

// TestUnknown: a source's own "not found" error keeps its words and matches
// ErrUnknown, wrapped or not; another error does not.
func TestUnknown(t *testing.T) {
	notFound := Unknown("no record")
	if notFound.Error() != "no record" {
		t.Errorf("Error() = %q, want the source's words", notFound.Error())
	}
	wrapped := fmt.Errorf("lookup 192.0.2.1: %w", notFound)
	for _, err := range []error{notFound, wrapped} {
		if !errors.Is(err, ErrUnknown) || !errors.Is(err, notFound) {
			t.Errorf("%v: want it to match ErrUnknown and itself", err)
		}
	}
	if errors.Is(errors.New("no record"), ErrUnknown) || errors.Is(ErrUnknown, notFound) {
		t.Error("an error that is not the source's own matched")
	}
}
