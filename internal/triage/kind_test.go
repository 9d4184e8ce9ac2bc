package triage

import "testing"

func TestParseKind(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
	}{
		{"Ip", KindIP},
		{"ip", KindIP},
		{"IP", KindIP},
		{"host", KindHost},
		{"Host", KindHost},
		{"account", KindAccount},
		{"dns", KindDNS},
		{"DnsResolution", KindDNS},
		{"filehash", KindFileHash},
		{"FileHash", KindFileHash},
		{"file", KindFile},
		{"process", KindProcess},
		{"host-logon-session", KindLogonSession},
		{"HostLogonSession", KindLogonSession},
		{"network-connection", KindNetworkConnection},
		{"registry-key", KindRegistryKey},
		{"registry-value", KindRegistryValue},
		{"RegistryValue", KindRegistryValue},
		{"cloud-application", KindCloudApplication},
		{"CloudApplication", KindCloudApplication},
		{"azure-resource", KindAzureResource},
		{"security-group", KindSecurityGroup},
		{"SecurityGroup", KindSecurityGroup},
		{"iotdevice", KindIoTDevice},
		{"IoTDevice", KindIoTDevice},
		{"mailbox", KindMailbox},
		{"mailMessage", KindMailMessage},
		{"mail-message", KindMailMessage},
		{"MailCluster", KindMailCluster},
		{"mail_cluster", KindMailCluster},
		{"SubmissionMail", KindSubmissionMail},
		{"submissionmail", KindSubmissionMail},
		{"malware", KindMalware},
		{"url", KindURL},
		{"URL", KindURL},
		{"nic", KindNic},
		{"SecurityAlert", KindSecurityAlert},
		{"Bookmark", KindBookmark},
		{"  Host Logon Session ", KindLogonSession},
		{"blob-container", Kind("blob-container")},
		{"  oauth-application ", Kind("oauth-application")},
		{"", Kind("Unknown")},
		{"   ", Kind("Unknown")},
	}
	for _, tt := range tests {
		if got := ParseKind(tt.in); got != tt.want {
			t.Errorf("ParseKind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Every known kind parses to itself in any case.
	for _, k := range KnownKinds {
		if got := ParseKind(string(k)); got != k {
			t.Errorf("ParseKind(%q) = %q", k, got)
		}
		if !k.IsKnown() {
			t.Errorf("%q.IsKnown() = false", k)
		}
	}
	if Kind("blob").IsKnown() {
		t.Error(`Kind("blob").IsKnown() = true`)
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{
		"Address":               "address",
		"NTDomain":              "ntDomain",
		"UPNSuffix":             "upnSuffix",
		"Sid":                   "sid",
		"SID":                   "sid",
		"AadUserId":             "aadUserId",
		"OSFamily":              "osFamily",
		"OsVersion":             "osVersion",
		"AzureID":               "azureID",
		"OMSAgentID":            "omsAgentID",
		"IoTHub":                "iotHub",
		"P1Sender":              "p1Sender",
		"IPAddress":             "ipAddress",
		"MailboxPrimaryAddress": "mailboxPrimaryAddress",
		"url":                   "url",
		"":                      "",
	} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}
