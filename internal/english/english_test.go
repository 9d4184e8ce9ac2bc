package english

import "testing"

func TestPlural(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 entities"},
		{1, "1 entity"},
		{2, "2 entities"},
		{-1, "-1 entities"},
	}
	for _, tt := range tests {
		if got := Plural(tt.n, "entity", "entities"); got != tt.want {
			t.Errorf("Plural(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if Noun(1, "line", "lines") != "line" || Noun(3, "line", "lines") != "lines" {
		t.Error("Noun does not follow the count")
	}
}
