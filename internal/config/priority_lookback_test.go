package config

import (
	"strings"
	"testing"
	"time"
)

func TestPriorityLookback(t *testing.T) {
	c, _ := mustLoadTriage(t, "priority:\n  lookback: 14d\n", nil)
	if c.Priority.Lookback != 14*24*time.Hour {
		t.Errorf("priority.lookback 14d: %s", c.Priority.Lookback)
	}
	c, _ = mustLoadTriage(t, "default_workspace: demo\n", nil)
	if c.Priority.Lookback != 0 {
		t.Errorf("unset priority.lookback: %s, want 0 (the pipeline's default)", c.Priority.Lookback)
	}
	for _, bad := range []string{"0d", "-3d", "soon"} {
		_, _, err := loadTriage(t, "priority:\n  lookback: "+bad+"\n", nil)
		if err == nil || !strings.Contains(err.Error(), "positive duration") {
			t.Errorf("priority.lookback %s: error %v", bad, err)
		}
	}
}
