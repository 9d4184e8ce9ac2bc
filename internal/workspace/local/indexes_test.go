package local

import "testing"

func TestMentions(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"SELECT * FROM SigninLogs", true},
		{"SELECT * FROM SigninLogs WHERE x", true},
		{`SELECT * FROM "SigninLogs"`, true},
		{"SigninLogs", true},
		{"SELECT * FROM SigninLogsArchive", false},
		{"SELECT * FROM MySigninLogs", false},
		{"SELECT * FROM MySigninLogs, SigninLogs", true},
		{"SELECT 1", false},
	}
	for _, tt := range tests {
		if got := mentions(tt.text, "SigninLogs"); got != tt.want {
			t.Errorf("mentions(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
