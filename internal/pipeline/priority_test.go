package pipeline

import (
	"slices"
	"testing"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

func TestPrioritize(t *testing.T) {
	alerts := []triage.Alert{{ID: "hi", Severity: triage.SeverityHigh}, {ID: "m1", Severity: triage.SeverityMedium},
		{ID: "m2", Severity: triage.SeverityMedium}, {ID: "lo", Severity: triage.SeverityLow}}
	ents := []triage.Entity{
		{Key: "Dns:d", Alerts: []string{"m1"}}, {Key: "Url:u", Alerts: []string{"m1"}}, {Key: "Ip:p", Alerts: []string{"m1"}},
		{Key: "FileHash:h", Alerts: []string{"m1", "m2"}}, {Key: "Ip:x", Alerts: []string{"hi"}},
	}
	ind := func(v string, k ioc.Kind, src string) report.Indicator {
		return report.Indicator{Value: v, Type: k, Sources: []string{src}}
	}
	inds := []report.Indicator{
		ind("low.example", ioc.Domain, "alert lo text"), // first found, least important
		ind("d.example", ioc.Domain, "Dns:d"),
		ind("https://u.example/", ioc.URL, "Url:u"),
		ind("9.9.9.9", ioc.IPv4, "Ip:p"),
		ind("0123456789abcdef0123456789abcdef", ioc.MD5, "FileHash:h"),
		ind("8.8.8.8", ioc.IPv4, "Ip:x"),
		ind("e@corp.example", ioc.Email, "Dns:d"),
	}
	Prioritize(inds, alerts, ents)
	var got []string
	for i, in := range inds {
		got = append(got, in.Value)
		if in.Priority != i+1 {
			t.Errorf("%s: priority %d at place %d", in.Value, in.Priority, i+1)
		}
	}
	want := []string{
		"8.8.8.8",                          // a high-severity alert's
		"0123456789abcdef0123456789abcdef", // medium, named by two alerts
		"https://u.example/",               // medium, one alert: by kind
		"9.9.9.9",
		"d.example",
		"e@corp.example",
		"low.example", // a low-severity alert's text
	}
	if !slices.Equal(got, want) {
		t.Errorf("order\n%v\nwant\n%v", got, want)
	}
	if inds[1].Alerts != 2 || inds[1].AlertSeverity != triage.SeverityMedium {
		t.Errorf("the hash: %d alerts, severity %s; want 2, Medium", inds[1].Alerts, inds[1].AlertSeverity)
	}
}
