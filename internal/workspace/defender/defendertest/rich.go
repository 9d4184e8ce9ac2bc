package defendertest

import (
	"time"
)

// The values of the Rich incident's evidence that tests look for.
const (
	RichDevice      = "wks-fin-07"                               // deviceEvidence's hostName
	RichDeviceFQDN  = "wks-fin-07.corp.contoso.com"              // its deviceDnsName
	RichDeviceID    = "f3c0e6a2b1d94e5a8c7b6a5f4e3d2c1b0a998877" // mdeDeviceId
	RichUserUPN     = "jdoe@contoso.com"                         // userEvidence's userPrincipalName
	RichUserSID     = "S-1-5-21-1004336348-1177238915-682003330-1104"
	RichPrivateIP   = "10.20.30.40" // an address inside the organisation
	RichPublicIP    = "1.2.3.4"     // an address outside it, the phish's sender
	RichURL         = "https://cdn-update.example.net/payload.exe"
	RichFileName    = "payload.exe"
	RichSHA256      = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	RichSHA1        = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
	RichMD5         = "098f6bcd4621d373cade4e832627b4f6"
	RichAzureVM     = "/subscriptions/3b701f84-d04b-4479-89b1-fa8827eb537e/resourceGroups/rg-finance/providers/Microsoft.Compute/virtualMachines/vm-fin-01"
	RichRegistryKey = `Software\Microsoft\Windows\CurrentVersion\Run`
)

// Rich is an incident as Graph shapes it, Graph id id, created at created,
// whose two alerts carry evidence of every kind the model maps (device,
// user, a private and a public address, URL, file with its hashes, file
// hash, process with its image file, user and parent, registry key and
// value, mailbox, analysed message, mail cluster, cloud application, OAuth
// application, service principal, Azure resource, security group, DNS
// resolution, malware, network connection) and one kept whole (a
// Kubernetes pod). The same device, user, file and addresses appear in both
// alerts, in the shapes each evidence type gives them, so that a client
// merging by identity shows each once. Defender judged the file and the
// public address malicious, the process and the URL suspicious, the rest
// unknown or clean. Every property is one the v1.0 schema defines.
func Rich(id string, created time.Time) (map[string]any, []map[string]any) {
	at := created.UTC().Format(time.RFC3339Nano)
	early := created.Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	inc := map[string]any{
		"id": id, "tenantId": TenantID,
		"displayName":        "Multi-stage incident involving Initial access & Execution on one endpoint",
		"description":        "Phishing mail delivered a payload that ran on WKS-FIN-07",
		"severity":           "high",
		"status":             "active",
		"classification":     "unknown",
		"determination":      "unknown",
		"assignedTo":         nil,
		"customTags":         []string{},
		"systemTags":         []string{"Defender Experts"},
		"createdDateTime":    at,
		"lastUpdateDateTime": at,
		"incidentWebUrl":     "https://security.microsoft.com/incident2/" + id + "/overview?tid=" + TenantID,
		"redirectIncidentId": nil,
		"resolvingComment":   nil,
		"summary":            nil,
	}
	common := func(typ, verdict string, m map[string]any) map[string]any {
		m["@odata.type"] = "#microsoft.graph.security." + typ
		m["createdDateTime"] = at
		m["verdict"] = verdict
		m["remediationStatus"] = "none"
		m["remediationStatusDetails"] = nil
		m["roles"] = []any{}
		m["detailedRoles"] = []any{}
		m["tags"] = []any{}
		return m
	}
	user := func() map[string]any {
		return map[string]any{
			"accountName": "jdoe", "domainName": "CONTOSO", "userSid": RichUserSID,
			"azureAdUserId": "5e2b7c3a-9a1f-4d2e-8b6c-1f0e9d8c7b6a", "userPrincipalName": RichUserUPN,
			"displayName": "Jane Doe", "activeDirectoryObjectGuid": nil, "tenantId": TenantID, "resourceAccessEvents": []any{},
		}
	}
	file := func() map[string]any {
		return map[string]any{
			"fileName": RichFileName, "filePath": `C:\Users\jdoe\AppData\Local\Temp\` + RichFileName,
			"sha1": RichSHA1, "sha256": RichSHA256, "md5": RichMD5, "fileSize": 73802,
			"filePublisher": nil, "signer": nil, "issuer": nil, "sha256Ac": nil,
		}
	}
	ip := func(addr, verdict string) map[string]any {
		return common("ipEvidence", verdict, map[string]any{"ipAddress": addr, "countryLetterCode": nil, "location": nil, "stream": nil})
	}
	device := common("deviceEvidence", "unknown", map[string]any{
		"hostName": RichDevice, "deviceDnsName": RichDeviceFQDN, "ntDomain": "CONTOSO", "dnsDomain": "corp.contoso.com",
		"mdeDeviceId": RichDeviceID, "azureAdDeviceId": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
		"osPlatform": "Windows11", "osBuild": 22631, "healthStatus": "active", "onboardingStatus": "onboarded",
		"riskScore": "high", "defenderAvStatus": "updated", "rbacGroupName": "Finance", "rbacGroupId": 12,
		"lastIpAddress": RichPrivateIP, "lastExternalIpAddress": RichPublicIP,
		"firstSeenDateTime": early, "loggedOnUsers": []any{}, "ipInterfaces": []any{RichPrivateIP}, "vmMetadata": nil,
		"version": "22H2", "resourceAccessEvents": []any{},
	})
	endpoint := map[string]any{
		"@odata.type": "#microsoft.graph.security.alert", "id": "da" + id + "endpoint",
		"providerAlertId": "da" + id + "endpoint", "incidentId": id,
		"title": "Suspicious process launched from a phishing attachment", "description": "payload.exe ran from Temp and set a Run key",
		"severity": "high", "status": "new", "classification": "unknown", "determination": "unknown",
		"serviceSource": "microsoftDefenderForEndpoint", "detectionSource": "antivirus", "productName": "Microsoft Defender for Endpoint",
		"detectorId": "7a3d5f2e-0000-4000-8000-000000000001", "category": "Execution", "mitreTechniques": []string{"T1204.002", "T1547.001"},
		"alertWebUrl":     "https://security.microsoft.com/alerts/da" + id + "endpoint?tid=" + TenantID,
		"incidentWebUrl":  "https://security.microsoft.com/incident2/" + id + "/overview?tid=" + TenantID,
		"tenantId":        TenantID,
		"createdDateTime": at, "lastUpdateDateTime": at, "firstActivityDateTime": early, "lastActivityDateTime": at,
		"comments": []any{}, "systemTags": []any{},
		"evidence": []any{
			device,
			common("userEvidence", "unknown", map[string]any{"userAccount": user(), "stream": nil}),
			ip(RichPrivateIP, "noThreatsFound"),
			common("fileEvidence", "malicious", map[string]any{"fileDetails": file(), "mdeDeviceId": RichDeviceID, "detectionStatus": "detected"}),
			common("processEvidence", "suspicious", map[string]any{
				"processId": 4242, "processCommandLine": `payload.exe --beacon ` + RichURL, "processCreationDateTime": at,
				"imageFile": file(), "userAccount": user(), "mdeDeviceId": RichDeviceID, "detectionStatus": "detected",
				"parentProcessId": 1880, "parentProcessCreationDateTime": early,
				"parentProcessImageFile": map[string]any{"fileName": "outlook.exe", "filePath": `C:\Program Files\Microsoft Office\root\Office16`},
			}),
			common("fileHashEvidence", "malicious", map[string]any{"algorithm": "sha256", "value": RichSHA256}),
			common("registryKeyEvidence", "unknown", map[string]any{"registryHive": "HKEY_CURRENT_USER", "registryKey": RichRegistryKey}),
			common("registryValueEvidence", "suspicious", map[string]any{
				"registryHive": "HKEY_CURRENT_USER", "registryKey": RichRegistryKey, "registryValueName": "Updater",
				"registryValue": `C:\Users\jdoe\AppData\Local\Temp\payload.exe`, "registryValueType": "String", "mdeDeviceId": RichDeviceID,
			}),
			common("networkConnectionEvidence", "unknown", map[string]any{
				"sourceAddress": ip(RichPrivateIP, "unknown"), "sourcePort": 50112, "destinationAddress": ip(RichPublicIP, "unknown"),
				"destinationPort": 443, "protocol": "tcp",
			}),
			common("dnsEvidence", "unknown", map[string]any{"domainName": "cdn-update.example.net", "dnsServerIp": ip(RichPrivateIP, "unknown"),
				"hostIpAddress": ip(RichPublicIP, "unknown"), "ipAddresses": []any{}}),
			common("malwareEvidence", "malicious", map[string]any{"name": "Trojan:Win32/Wacatac.B!ml", "category": "Trojan",
				"files":     []any{common("fileEvidence", "malicious", map[string]any{"fileDetails": file(), "mdeDeviceId": RichDeviceID, "detectionStatus": "detected"})},
				"processes": []any{}}),
		},
	}
	email := map[string]any{
		"@odata.type": "#microsoft.graph.security.alert", "id": "fa" + id + "email",
		"providerAlertId": "fa" + id + "email", "incidentId": id,
		"title": "Email messages containing malicious URL removed after delivery", "description": "A phishing mail reached jdoe",
		"severity": "medium", "status": "new", "classification": "unknown", "determination": "unknown",
		"serviceSource": "microsoftDefenderForOffice365", "detectionSource": "microsoftDefenderForOffice365", "productName": "Microsoft Defender for Office 365",
		"detectorId": "7a3d5f2e-0000-4000-8000-000000000002", "category": "InitialAccess", "mitreTechniques": []string{"T1566.002"},
		"alertWebUrl":     "https://security.microsoft.com/alerts/fa" + id + "email?tid=" + TenantID,
		"incidentWebUrl":  "https://security.microsoft.com/incident2/" + id + "/overview?tid=" + TenantID,
		"tenantId":        TenantID,
		"createdDateTime": at, "lastUpdateDateTime": at, "firstActivityDateTime": early, "lastActivityDateTime": early,
		"comments": []any{}, "systemTags": []any{},
		"evidence": []any{
			common("mailboxEvidence", "unknown", map[string]any{"primaryAddress": RichUserUPN, "upn": RichUserUPN, "displayName": "Jane Doe", "userAccount": user()}),
			common("analyzedMessageEvidence", "malicious", map[string]any{
				"networkMessageId": "2b1a9c8d-7e6f-4a5b-9c8d-7e6f5a4b3c2d", "internetMessageId": "<phish-1@mail.example.net>",
				"subject": "Invoice overdue", "senderIp": RichPublicIP, "recipientEmailAddress": RichUserUPN,
				"p1Sender":          map[string]any{"emailAddress": "billing@mail.example.net", "displayName": "Billing", "domainName": "mail.example.net"},
				"p2Sender":          nil,
				"antiSpamDirection": "Inbound", "attachmentsCount": 0, "deliveryAction": "Delivered", "deliveryLocation": "Inbox",
				"language": "en", "receivedDateTime": early, "threatDetectionMethods": []any{"URL detonation"}, "threats": []any{"Phish"},
				"urlCount": 1, "urls": []any{RichURL}, "urn": nil,
			}),
			common("mailClusterEvidence", "unknown", map[string]any{"clusterBy": "Subject", "clusterByValue": "Invoice overdue", "emailCount": 3,
				"networkMessageIds": []any{"2b1a9c8d-7e6f-4a5b-9c8d-7e6f5a4b3c2d"}, "query": "Subject:\"Invoice overdue\"", "urn": nil}),
			common("urlEvidence", "suspicious", map[string]any{"url": RichURL}),
			ip(RichPublicIP, "malicious"),
			common("userEvidence", "unknown", map[string]any{"userAccount": map[string]any{"accountName": "jdoe", "userPrincipalName": RichUserUPN, "azureAdUserId": "5e2b7c3a-9a1f-4d2e-8b6c-1f0e9d8c7b6a"}, "stream": nil}),
			common("deviceEvidence", "unknown", map[string]any{"hostName": RichDevice, "deviceDnsName": RichDeviceFQDN, "mdeDeviceId": RichDeviceID}),
			common("cloudApplicationEvidence", "unknown", map[string]any{"appId": 11161, "displayName": "Office 365", "instanceId": 0,
				"instanceName": "Office 365", "saasAppId": 11161, "stream": nil}),
			common("oauthApplicationEvidence", "suspicious", map[string]any{"appId": "8c2d1e0f-3a4b-4c5d-9e6f-7a8b9c0d1e2f",
				"displayName": "Mail Sync Helper", "objectId": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "publisher": "Unverified"}),
			common("servicePrincipalEvidence", "unknown", map[string]any{"appId": "8c2d1e0f-3a4b-4c5d-9e6f-7a8b9c0d1e2f", "appOwnerTenantId": TenantID,
				"servicePrincipalName": "Mail Sync Helper", "servicePrincipalObjectId": "6f5e4d3c-2b1a-4c0d-9e8f-7a6b5c4d3e2f",
				"servicePrincipalType": "application", "tenantId": TenantID}),
			common("azureResourceEvidence", "unknown", map[string]any{"resourceId": RichAzureVM, "resourceName": "vm-fin-01",
				"resourceType": "Virtual Machine"}),
			common("securityGroupEvidence", "unknown", map[string]any{"securityGroupId": "e0f1a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
				"displayName": "Finance Admins", "sid": "S-1-5-21-1004336348-1177238915-682003330-3101", "activeDirectoryObjectGuid": nil,
				"distinguishedName": "CN=Finance Admins,OU=Groups,DC=corp,DC=contoso,DC=com", "friendlyName": "Finance Admins"}),
			common("kubernetesPodEvidence", "unknown", map[string]any{"name": "sync-7d9f", "namespace": nil, "podIp": nil,
				"labels": nil, "containers": []any{}, "ephemeralContainers": []any{}, "initContainers": []any{}, "controller": nil, "serviceAccount": nil}),
		},
	}
	return inc, []map[string]any{endpoint, email}
}
