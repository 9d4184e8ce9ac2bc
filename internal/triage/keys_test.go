package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewEntity(t *testing.T) {
	type props = map[string]any
	tests := []struct {
		name     string
		kind     Kind
		props    props
		wantKey  string
		wantName string
		wantErr  string // a substring of the error; "" for none
	}{
		{"ipv4", KindIP, props{"address": " 10.0.0.1 "}, "Ip:10.0.0.1", "10.0.0.1", ""},
		{"ipv6 canonical", KindIP, props{"address": "2001:DB8:0:0::1"}, "Ip:2001:db8::1", "2001:db8::1", ""},
		{"ipv6 zone stripped", KindIP, props{"address": "fe80::1%eth0"}, "Ip:fe80::1", "fe80::1", ""},
		{"ipv4-mapped unmapped", KindIP, props{"address": "::ffff:10.0.0.1"}, "Ip:10.0.0.1", "10.0.0.1", ""},
		{"ip friendly name wins", KindIP, props{"address": "10.3.2.8", "friendlyName": "gateway"}, "Ip:10.3.2.8", "gateway", ""},
		{"ip invalid", KindIP, props{"address": "10.0.0.999"}, "Ip:10.0.0.999", "10.0.0.999", "invalid address"},
		{"ip missing", KindIP, props{"location": "x"}, "", "Ip", "without address"},
		{"url host lowered path kept", KindURL, props{"url": "HTTPS://Example.COM/Path?Q=A"}, "Url:https://example.com/Path?Q=A", "HTTPS://Example.COM/Path?Q=A", ""},
		{"url lone slash dropped", KindURL, props{"url": "https://bing.com/"}, "Url:https://bing.com", "https://bing.com/", ""},
		{"long url whole", KindURL, props{"url": "https://example.com/" + strings.Repeat("a", 300)}, "Url:https://example.com/" + strings.Repeat("a", 300), "https://example.com/" + strings.Repeat("a", 300), ""},
		{"dns", KindDNS, props{"domainName": "WWW.Contoso.COM."}, "DnsResolution:www.contoso.com", "WWW.Contoso.COM.", ""},
		{"filehash", KindFileHash, props{"algorithm": "SHA256", "hashValue": "E923636F1093C414AAB39F846E9D7A372BEEFA7B628B28179197E539C56AA0F0"},
			"FileHash:e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0", "sha256 e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0", ""},
		{"file windows path", KindFile, props{"directory": `C:\Windows\System32\`, "fileName": "CMD.exe"}, `File:c:\windows\system32\cmd.exe`, "CMD.exe", ""},
		{"file unix path", KindFile, props{"directory": "/usr/bin", "fileName": "curl"}, "File:/usr/bin/curl", "curl", ""},
		{"file name only", KindFile, props{"fileName": "Payload.exe"}, "File:payload.exe", "Payload.exe", ""},
		{"file missing", KindFile, props{"sizeInBytes": 10}, "", "File", "without fileName"},
		{"account upn", KindAccount, props{"accountName": "Alice", "upnSuffix": "Contoso.com", "ntDomain": "CONTOSO", "sid": "S-1-5-21-1", "aadUserId": "A-1"},
			"Account:alice@contoso.com", "Alice@Contoso.com", ""},
		{"account upn in name", KindAccount, props{"accountName": "Alice@Contoso.com", "upnSuffix": "ignored.com"}, "Account:alice@contoso.com", "Alice@Contoso.com", ""},
		{"account domain name", KindAccount, props{"accountName": "Alice", "ntDomain": "CONTOSO"}, `Account:contoso\alice`, `CONTOSO\Alice`, ""},
		{"account domain name and sid", KindAccount, props{"accountName": "alice", "ntDomain": "contoso", "sid": "S-1-5-21-1"}, `Account:contoso\alice`, `contoso\alice`, ""},
		{"account domain in name", KindAccount, props{"accountName": `CONTOSO\Alice`}, `Account:contoso\alice`, `CONTOSO\Alice`, ""},
		{"account aad only", KindAccount, props{"aadUserId": "F7033626-2572-46B1-BBA0-06646F4F95B3"}, "Account:f7033626-2572-46b1-bba0-06646f4f95b3", "F7033626-2572-46B1-BBA0-06646F4F95B3", ""},
		{"account sid only", KindAccount, props{"sid": "s-1-5-18"}, "Account:S-1-5-18", "s-1-5-18", ""},
		{"account name only", KindAccount, props{"accountName": "ADMINISTRATOR"}, "Account:administrator", "ADMINISTRATOR", ""},
		{"account missing", KindAccount, props{"isDomainJoined": true}, "", "Account", "without accountName"},
		{"host fqdn", KindHost, props{"hostName": "VM1", "dnsDomain": "Contoso.com"}, "Host:vm1.contoso.com", "VM1.Contoso.com", ""},
		{"host fqdn in name", KindHost, props{"hostName": "vm1.contoso.com", "dnsDomain": "contoso.com"}, "Host:vm1.contoso.com", "vm1.contoso.com", ""},
		{"host name", KindHost, props{"hostName": "MSTICALERTSWIN1", "dnsDomain": ""}, "Host:msticalertswin1", "MSTICALERTSWIN1", ""},
		{"host azure id", KindHost, props{"azureID": "/subscriptions/X/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1"},
			"Host:/subscriptions/x/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1", "VM1", ""},
		{"host oms agent", KindHost, props{"omsAgentID": "46FE7078-61bb-4bed-9430-7ac01d91c273"}, "Host:46fe7078-61bb-4bed-9430-7ac01d91c273", "46FE7078-61bb-4bed-9430-7ac01d91c273", ""},
		{"host missing", KindHost, props{"osFamily": "Windows"}, "", "Host", "without hostName"},
		{"mailbox", KindMailbox, props{"mailboxPrimaryAddress": "Bob@Contoso.com", "upn": "bob@contoso.com"}, "Mailbox:bob@contoso.com", "Bob@Contoso.com", ""},
		{"mailbox upn", KindMailbox, props{"upn": "Bob@Contoso.com"}, "Mailbox:bob@contoso.com", "Bob@Contoso.com", ""},
		{"mail message", KindMailMessage, props{"networkMessageId": "ABC", "recipient": "Bob@Contoso.com", "subject": "Invoice"}, "MailMessage:abc|bob@contoso.com", "Invoice to Bob@Contoso.com", ""},
		{"mail message missing", KindMailMessage, props{"subject": "Invoice"}, "", "Invoice", "without networkMessageId"},
		{"mail cluster ids", KindMailCluster, props{"networkMessageIds": []any{"B", "a", "b"}}, "MailCluster:a,b", "mail cluster of 3 messages", ""},
		{"mail cluster of one", KindMailCluster, props{"networkMessageIds": []any{"a"}}, "MailCluster:a", "mail cluster of 1 message", ""},
		{"mail cluster query", KindMailCluster, props{"query": "Subject == 'x'", "source": "Similar"}, "MailCluster:Subject == 'x'", "mail cluster Similar", ""},
		{"submission mail", KindSubmissionMail, props{"submissionId": "S1", "recipient": "Bob@x.com", "networkMessageId": "n"}, "SubmissionMail:s1|bob@x.com", "submission S1 to Bob@x.com", ""},
		{"cloud app id", KindCloudApplication, props{"appId": json.Number("11161"), "appName": "Office 365"}, "CloudApplication:11161", "Office 365", ""},
		{"cloud app float id", KindCloudApplication, props{"appId": float64(11161)}, "CloudApplication:11161", "app 11161", ""},
		{"cloud app name", KindCloudApplication, props{"appName": "Office 365"}, "CloudApplication:office 365", "Office 365", ""},
		{"azure resource", KindAzureResource, props{"resourceId": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV1"},
			"AzureResource:/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1", "KV1", ""},
		{"malware", KindMalware, props{"malwareName": "Trojan:Win32/Emotet", "category": "Trojan"}, "Malware:trojan:win32/emotet", "Trojan:Win32/Emotet", ""},
		{"registry key", KindRegistryKey, props{"hive": "HKEY_LOCAL_MACHINE", "key": `SOFTWARE\Run`}, `RegistryKey:hkey_local_machine\software\run`, `HKEY_LOCAL_MACHINE\SOFTWARE\Run`, ""},
		{"registry key abbreviated", KindRegistryKey, props{"key": `HKLM\SOFTWARE\Run`}, `RegistryKey:hkey_local_machine\software\run`, `HKEY_LOCAL_MACHINE\SOFTWARE\Run`, ""},
		{"registry value inline key", KindRegistryValue, props{"hive": "HKCU", "key": `Console`, "valueName": "WindowPosition"}, `RegistryValue:hkey_current_user\console\windowposition`, `HKEY_CURRENT_USER\Console\WindowPosition`, ""},
		{"registry value without key", KindRegistryValue, props{"valueName": "x"}, "", `x`, "without key"},
		{"security group sid", KindSecurityGroup, props{"sid": "S-1-5-32-544"}, "SecurityGroup:S-1-5-32-544", "S-1-5-32-544", ""},
		{"security group dn", KindSecurityGroup, props{"distinguishedName": "CN=Domain Admins,CN=Users,DC=contoso,DC=com"}, "SecurityGroup:cn=domain admins,cn=users,dc=contoso,dc=com", "Domain Admins", ""},
		{"security group nothing", KindSecurityGroup, props{}, "", "SecurityGroup", "without sid"},
		{"iot device", KindIoTDevice, props{"deviceId": "Dev1", "deviceName": "camera"}, "IoTDevice:dev1", "camera", ""},
		{"nic mac", KindNic, props{"macAddress": "00-15-5D-00-01-FF"}, "Nic:00:15:5d:00:01:ff", "00-15-5D-00-01-FF", ""},
		{"nic ip", KindNic, props{"ipAddress": "10.0.0.4"}, "Nic:10.0.0.4", "10.0.0.4", ""},
		{"network connection", KindNetworkConnection, props{"sourceAddress": "10.0.0.1", "sourcePort": json.Number("50000"), "destinationAddress": "2001:db8::1", "destinationPort": "443", "protocol": "TCP"},
			"NetworkConnection:10.0.0.1:50000->[2001:db8::1]:443/tcp", "10.0.0.1:50000->[2001:db8::1]:443/tcp", ""},
		{"process pid and time", KindProcess, props{"processId": "0x1558", "creationTimeUtc": "2018-11-15T23:54:29.300019Z", "commandLine": "cmd.exe /c x"},
			"Process:|5464|2018-11-15T23:54:29.300019Z", "cmd.exe (pid 0x1558)", ""},
		{"process pid decimal equals hex", KindProcess, props{"processId": "5464", "creationTimeUtc": "2018-11-15 23:54:29.300019"},
			"Process:|5464|2018-11-15T23:54:29.300019Z", "process (pid 5464)", ""},
		{"process command line only", KindProcess, props{"commandLine": `"C:\Program Files\App\app.exe" -x`}, `Process:||||"C:\Program Files\App\app.exe" -x`, "app.exe", ""},
		{"process nothing", KindProcess, props{"elevationToken": "Default"}, "", "process", "without processId"},
		{"logon session", KindLogonSession, props{"sessionId": "0x3E4", "startTimeUtc": "2019-01-15T11:45:01Z"}, "HostLogonSession:|0x3e4", "logon session 0x3E4", ""},
		{"security alert", KindSecurityAlert, props{"systemAlertId": "4AA486E0", "alertDisplayName": "Suspicious"}, "SecurityAlert:4aa486e0", "Suspicious", ""},
		{"bookmark", KindBookmark, props{"displayName": "My Bookmark"}, "Bookmark:my bookmark", "My Bookmark", ""},
		{"unknown kind", Kind("blob"), props{"Url": "https://x.blob.core.windows.net/c/b", "Name": "b"}, "", "b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEntity(tt.kind, tt.props)
			wantKey := tt.wantKey
			if wantKey == "" { // hashed: kind + ":#" + 12 hex digits
				if !strings.HasPrefix(e.Key, string(tt.kind)+":#") || len(e.Key) != len(tt.kind)+2+12 {
					t.Errorf("key = %q, want %s:#<hash>", e.Key, tt.kind)
				}
				wantKey = e.Key
			}
			if diff := cmp.Diff(Entity{Kind: tt.kind, Key: wantKey, Name: tt.wantName, Properties: tt.props}, e); diff != "" {
				t.Errorf("NewEntity mismatch (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewEntityHashIsStableAndDistinct(t *testing.T) {
	a1, _ := NewEntity(KindSecurityGroup, map[string]any{"description": "one"})
	a2, _ := NewEntity(KindSecurityGroup, map[string]any{"description": "one"})
	b, _ := NewEntity(KindSecurityGroup, map[string]any{"description": "two"})
	if a1.Key != a2.Key {
		t.Errorf("same properties, different keys: %q %q", a1.Key, a2.Key)
	}
	if a1.Key == b.Key {
		t.Errorf("different properties, same key %q", a1.Key)
	}
}

func TestNewEntityCopiesProperties(t *testing.T) {
	p := map[string]any{"address": "10.0.0.1"}
	e, _ := NewEntity(KindIP, p)
	p["address"] = "10.0.0.2"
	if e.Prop("address") != "10.0.0.1" {
		t.Errorf("entity shares the caller's map: address = %q", e.Prop("address"))
	}
}

func TestProp(t *testing.T) {
	e := Entity{Properties: map[string]any{
		"s": "x", "n": json.Number("12"), "f": 1.5, "i": int64(7), "b": true, "nil": nil, "obj": map[string]any{"a": 1},
	}}
	got := map[string]string{}
	for _, k := range []string{"s", "n", "f", "i", "b", "nil", "obj", "absent"} {
		got[k] = e.Prop(k)
	}
	want := map[string]string{"s": "x", "n": "12", "f": "1.5", "i": "7", "b": "true", "nil": "", "obj": "", "absent": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Prop mismatch (-want +got):\n%s", diff)
	}
}

// A host's names, however its properties give them.
func TestHostNames(t *testing.T) {
	for _, tt := range []struct {
		props map[string]any
		want  HostNames
	}{
		{map[string]any{"hostName": "WKS-01", "dnsDomain": "Contoso.com."}, HostNames{FQDN: "wks-01.contoso.com", Short: "wks-01"}},
		{map[string]any{"hostName": "wks-01.contoso.com"}, HostNames{FQDN: "wks-01.contoso.com", Short: "wks-01"}},
		{map[string]any{"fqdn": "WKS-01.corp.example.", "hostName": "other"}, HostNames{FQDN: "wks-01.corp.example", Short: "other"}},
		{map[string]any{"fqdn": "srv.example"}, HostNames{FQDN: "srv.example", Short: "srv"}},
		{map[string]any{"netBiosName": "FS01"}, HostNames{Short: "fs01", NetBIOS: "fs01"}},
		{map[string]any{"azureID": "/subscriptions/x"}, HostNames{}},
	} {
		e := Entity{Kind: KindHost, Properties: tt.props}
		if got := e.HostNames(); got != tt.want {
			t.Errorf("HostNames(%v) = %+v, want %+v", tt.props, got, tt.want)
		}
	}
}
