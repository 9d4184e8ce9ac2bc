package demo

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Identity and cloud logs: SigninLogs, AuditLogs, AzureActivity, OfficeActivity.

// --- SigninLogs ---------------------------------------------------------------

type signinApp struct {
	name, id, client, resource string
	weight                     float64
}

var (
	appTeams     = signinApp{"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Mobile Apps and Desktop clients", "Microsoft Teams Services", 5}
	appOffice    = signinApp{"Microsoft Office", "d3590ed6-52b3-4102-aeff-aad2292ab01c", "Mobile Apps and Desktop clients", "Office 365 Exchange Online", 5}
	appOfficeWeb = signinApp{"OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca", "Browser", "OfficeHome", 3}
	appPortal    = signinApp{"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Browser", "Windows Azure Service Management API", 0.6}
	appOWA       = signinApp{"Outlook Web App", "00000002-0000-0ff1-ce00-000000000000", "Browser", "Office 365 Exchange Online", 1}
	appMyApps    = signinApp{"My Apps", "2793995e-0a7d-40d7-bd35-6968ba142197", "Browser", "My Apps", 0.4}
)

var signinApps = newWeighted([]signinApp{
	appTeams, appOffice, appOfficeWeb, appPortal, appOWA, appMyApps,
	{"Windows Sign In", "38aa3b87-a06d-4817-b275-7a316988d93b", "Mobile Apps and Desktop clients", "Windows Azure Active Directory", 3},
	{"Microsoft Edge", "ecd6b820-32c2-49b6-98a6-444530e5a77a", "Browser", "Microsoft Graph", 2},
	{"Outlook Mobile", "27922004-5251-4030-b22d-91ecd9a37ea4", "Mobile Apps and Desktop clients", "Office 365 Exchange Online", 1.5},
	{"SharePoint Online Web Client Extensibility", "08e18876-6177-487e-b8b5-cf950c1e598c", "Browser", "Office 365 SharePoint Online", 1},
}, func(a signinApp) float64 { return a.weight })

type signinResult struct {
	code, desc string
	weight     float64
}

var (
	resOK       = signinResult{"0", "", 93}
	resBadPass  = signinResult{"50126", "Error validating credentials due to invalid username or password.", 1.5}
	resLocked   = signinResult{"50053", "Account is locked because user tried to sign in too many times with an incorrect user ID or password.", 0.1}
	resNoUser   = signinResult{"50034", "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.", 0}
	resMFA      = signinResult{"50074", "Strong Authentication is required.", 2}
	resKMSI     = signinResult{"50140", "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.", 2.5}
	resCABlock  = signinResult{"53003", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", 0.5}
	resExpired  = signinResult{"50055", "The password is expired.", 0.2}
	signinMixes = newWeighted([]signinResult{resOK, resBadPass, resLocked, resMFA, resKMSI, resCABlock, resExpired},
		func(s signinResult) float64 { return s.weight })
)

const (
	uaEdge    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
	uaIOS     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
	uaClient  = "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0"
	uaSpray   = "python-requests/2.31.0"
	uaAttackr = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
)

// signin is one sign-in attempt.
type signin struct {
	at        time.Time
	upn       string
	display   string
	userID    string
	ip        string
	app       signinApp
	result    signinResult
	ua        string
	device    map[string]any
	risk      string // RiskLevelDuringSignIn
	mfa       bool
	client    string // overrides app.client
	riskState string
}

// storySignins are the attack's and the benign stories' sign-ins.
func (g *gen) storySignins(r *rand.Rand) []signin {
	var out []signin
	attackerDevice := func(os, browser string) map[string]any {
		return map[string]any{"deviceId": "", "displayName": "", "operatingSystem": os, "browser": browser,
			"isCompliant": false, "isManaged": false, "trustType": ""}
	}
	as := func(u user, at time.Time, ip string, app signinApp, res signinResult, ua string, dev map[string]any, risk string) signin {
		return signin{at: at, upn: u.upn(), display: u.display, userID: g.userObjectID(u), ip: ip, app: app,
			result: res, ua: ua, device: dev, risk: risk}
	}
	spray := attackerDevice("Linux", "Python Requests 2.31")

	// Ten days earlier: one try at jordan.
	out = append(out, as(jordan, g.ago(tRecon), attackerIP, appOffice, resBadPass, uaSpray, spray, "medium"))

	// The spray: four rounds over every target, fifty minutes.
	targets := append(append([]string(nil), sprayTargets...), sprayGhosts...)
	attempts := 4 * len(targets)
	step := tSpraySpan / time.Duration(attempts)
	n := 0
	for round := 0; round < 4; round++ {
		for _, name := range targets {
			at := g.ago(tSpray - time.Duration(n)*step - time.Duration(r.IntN(20))*time.Second)
			n++
			res := resBadPass
			if round == 3 && (name == "carol.jones" || name == "kevin.obrien") {
				res = resLocked
			}
			if isGhost(name) {
				out = append(out, signin{at: at, upn: name + "@" + tenantDomain, ip: attackerIP, app: appOffice,
					result: resNoUser, ua: uaSpray, device: spray, risk: "none"})
				continue
			}
			out = append(out, as(userByName(name), at, attackerIP, appOffice, res, uaSpray, spray, "medium"))
		}
	}
	// The spray finds jordan's password; the attacker moves to a browser.
	breach := as(jordan, g.ago(tBreach), attackerIP, appOffice, resOK, uaSpray, spray, "medium")
	breach.riskState = "atRisk"
	out = append(out, breach)
	browser := attackerDevice("Linux", "Chrome 122.0.0")
	for _, d := range []time.Duration{tBreach - 4*time.Minute, tInboxRule + 3*time.Minute} {
		s := as(jordan, g.ago(d), attackerIP, appOWA, resOK, uaAttackr, browser, "medium")
		s.riskState = "atRisk"
		out = append(out, s)
	}
	// Later over IPv6: mail, then the Azure portal, then the consent.
	for _, x := range []struct {
		at  time.Duration
		app signinApp
	}{
		{tIPv6Signin, appOWA}, {tPhishSend + 6*time.Minute, appOWA},
		{tAzure, appPortal}, {tConsent + 2*time.Minute, appMyApps},
	} {
		s := as(jordan, g.ago(x.at), attackerIPv6, x.app, resOK, uaAttackr, browser, "medium")
		s.mfa, s.riskState = true, "atRisk"
		out = append(out, s)
	}

	// Benign: Alice in London, then through the VPN (impossible travel).
	aliceDev := g.workstationDevice(workstationOf(alice.sam))
	t0 := g.ago(8*day + 12*hour)
	out = append(out,
		as(alice, t0, officeLondonIP, appOffice, resOK, uaClient, aliceDev, "none"),
		as(alice, t0.Add(40*time.Minute), vpnEgressIP, appTeams, resOK, uaClient, aliceDev, "none"))
	// The VPN's egress is an everyday address, not only Alice's: London
	// staff away from the office sign in through it in the days before, so
	// it has a sign-in history when the impossible travel is flagged.
	for i, x := range []struct {
		sam string
		at  time.Duration // before now; the times are London's working hours
	}{
		{"erin.schmidt", 13*day - 9*hour}, {"carol.jones", 12*day - 10*hour}, {"ivan.petrov", 11*day - 14*hour},
		{"quinn.baker", 10*day - 9*hour - 30*time.Minute}, {"nina.rossi", 9*day - 15*hour},
	} {
		u := userByName(x.sam)
		app := appTeams
		if i%2 == 1 {
			app = appOffice
		}
		out = append(out, as(u, g.ago(x.at), vpnEgressIP, app, resOK, uaClient, g.workstationDevice(workstationOf(u.sam)), "none"))
	}
	// Heidi at home over IPv6 before the mass download; Bob at a hotel.
	out = append(out, as(heidi, g.ago(6*day+1*hour+5*time.Minute), heidi.mobile, appOfficeWeb, resOK, uaEdge,
		g.workstationDevice(workstationOf(heidi.sam)), "none"))
	bobTravel := as(bob, g.ago(20*hour), travelIP, appOWA, resOK, uaIOS,
		map[string]any{"deviceId": "", "displayName": "", "operatingSystem": "Ios", "browser": "Mobile Safari",
			"isCompliant": false, "isManaged": false, "trustType": ""}, "low")
	bobTravel.mfa = true
	out = append(out, bobTravel)
	return out
}

func isGhost(name string) bool {
	for _, n := range sprayGhosts {
		if n == name {
			return true
		}
	}
	return false
}

func (g *gen) workstationDevice(h host) map[string]any {
	return map[string]any{
		"deviceId": g.id.guid("aaddevice/" + h.name), "displayName": h.name,
		"operatingSystem": "Windows 10", "browser": "Edge 124.0.0",
		"isCompliant": true, "isManaged": true, "trustType": "Hybrid Azure AD joined",
	}
}

func (g *gen) signinLogs() error {
	r := g.id.rng(TableSigninLogs)
	for _, s := range g.storySignins(r) {
		if err := g.emit(TableSigninLogs, g.signinRow(r, s)); err != nil {
			return err
		}
	}
	devices := make(map[string]map[string]any, len(users))
	for _, u := range users {
		devices[u.sam] = g.workstationDevice(workstationOf(u.sam))
	}
	mobile := map[string]any{"deviceId": "", "displayName": "", "operatingSystem": "Ios", "browser": "Mobile Safari",
		"isCompliant": true, "isManaged": true, "trustType": ""}
	for i, n := 0, g.volume(volSignin); i < n; i++ {
		u := pick(r, staff)
		s := signin{at: g.workday(r, u.site), upn: u.upn(), display: u.display, userID: g.userObjectID(u),
			app: signinApps.pick(r), result: signinMixes.pick(r), risk: "none", device: devices[u.sam]}
		switch x := r.IntN(100); {
		case x < 68:
			s.ip, s.ua = officeIP(u.site), uaClient
		case x < 92:
			s.ip, s.ua, s.mfa = u.home, uaEdge, true
		default:
			s.ip, s.ua, s.device, s.mfa = u.home, uaIOS, mobile, true
			if u.mobile != "" {
				s.ip = u.mobile
			}
		}
		if err := g.emit(TableSigninLogs, g.signinRow(r, s)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) signinRow(r *rand.Rand, s signin) map[string]any {
	client := s.client
	if client == "" {
		client = s.app.client
	}
	var loc map[string]any
	cc := ""
	var asn any
	if l, ok := geoOf(s.ip); ok {
		cc, asn = l.CountryCode, int64(l.ASN)
		loc = map[string]any{"city": l.City, "state": l.Region, "countryOrRegion": l.CountryCode,
			"geoCoordinates": map[string]any{"latitude": l.Latitude, "longitude": l.Longitude}}
	} else {
		loc = map[string]any{}
	}
	code := int64(0)
	for _, c := range s.result.code {
		code = code*10 + int64(c-'0')
	}
	success := s.result.code == "0"
	ca := "notApplied"
	switch {
	case s.result == resCABlock:
		ca = "failure"
	case success:
		ca = "success"
	}
	authReq := "singleFactorAuthentication"
	if s.mfa {
		authReq = "multiFactorAuthentication"
	}
	riskState := s.riskState
	if riskState == "" {
		riskState = "none"
	}
	at := any(s.at)
	signature := "SUCCESS"
	if !success {
		signature = "FAILURE"
	}
	return map[string]any{
		"TenantId":                  g.tenant,
		"SourceSystem":              "Azure AD",
		"TimeGenerated":             at,
		"CreatedDateTime":           at,
		"ResourceId":                g.aadResource,
		"OperationName":             "Sign-in activity",
		"OperationVersion":          "1.0",
		"Category":                  "SignInLogs",
		"ResultType":                s.result.code,
		"ResultSignature":           signature,
		"ResultDescription":         s.result.desc,
		"DurationMs":                int64(0),
		"CorrelationId":             randGUID(r),
		"Id":                        randGUID(r),
		"Identity":                  s.display,
		"Level":                     "4",
		"Location":                  cc,
		"AppDisplayName":            s.app.name,
		"AppId":                     s.app.id,
		"ResourceDisplayName":       s.app.resource,
		"ClientAppUsed":             client,
		"UserAgent":                 s.ua,
		"IPAddress":                 s.ip,
		"AutonomousSystemNumber":    asn,
		"LocationDetails":           loc,
		"DeviceDetail":              s.device,
		"IsInteractive":             true,
		"AuthenticationRequirement": authReq,
		"ConditionalAccessStatus":   ca,
		"RiskLevelDuringSignIn":     s.risk,
		"RiskLevelAggregated":       s.risk,
		"RiskState":                 riskState,
		"RiskDetail":                "none",
		"IsRisky":                   s.risk != "none",
		"Status":                    map[string]any{"errorCode": code, "failureReason": s.result.desc, "additionalDetails": ""},
		"UserPrincipalName":         s.upn,
		"UserDisplayName":           s.display,
		"UserId":                    s.userID,
		"UserType":                  "Member",
		"HomeTenantId":              g.tenant,
		"TokenIssuerType":           "AzureAD",
		"Type":                      TableSigninLogs,
	}
}

// --- AuditLogs ----------------------------------------------------------------

// audit is one directory audit event.
type audit struct {
	at        time.Time
	op        string
	category  string
	service   string
	initiator user
	ip        string
	byApp     string // an application initiated it instead of a user
	targets   []any
	details   []any
	result    string
}

func targetUser(g *gen, u user, props ...map[string]any) map[string]any {
	mp := make([]any, 0, len(props))
	for _, p := range props {
		mp = append(mp, p)
	}
	return map[string]any{"id": g.userObjectID(u), "displayName": nil, "type": "User",
		"userPrincipalName": u.upn(), "modifiedProperties": mp}
}

func modified(name, oldV, newV string) map[string]any {
	return map[string]any{"displayName": name, "oldValue": oldV, "newValue": newV}
}

func (g *gen) storyAudits() []audit {
	spID := g.id.guid("sp/" + maliciousApp)
	app := func(props ...map[string]any) map[string]any {
		mp := make([]any, 0, len(props))
		for _, p := range props {
			mp = append(mp, p)
		}
		return map[string]any{"id": spID, "displayName": maliciousApp, "type": "ServicePrincipal", "modifiedProperties": mp}
	}
	group := map[string]any{"id": g.id.guid("group/" + privilegedGroup), "displayName": privilegedGroup, "type": "Group",
		"modifiedProperties": []any{}}
	ua := []any{map[string]any{"key": "User-Agent", "value": uaAttackr}}
	out := []audit{
		// The attack.
		{at: g.ago(tAzure - 4*time.Minute), op: "Add application", category: "ApplicationManagement", service: "Core Directory",
			initiator: jordan, ip: attackerIPv6, targets: []any{map[string]any{"id": g.appID(maliciousApp), "displayName": maliciousApp,
				"type": "Application", "modifiedProperties": []any{modified("AppAddress", "", `[{"AddressType":0,"Address":"https://invoice-viewer.example.com/auth"}]`)}}}, details: ua},
		{at: g.ago(tAzure - 5*time.Minute), op: "Add service principal", category: "ApplicationManagement", service: "Core Directory",
			initiator: jordan, ip: attackerIPv6, targets: []any{app(modified("AppId", "", g.appID(maliciousApp)))}, details: ua},
		{at: g.ago(tConsent), op: "Consent to application", category: "ApplicationManagement", service: "Core Directory",
			initiator: jordan, ip: attackerIPv6, targets: []any{app(
				modified("ConsentContext.IsAdminConsent", "", "False"),
				modified("ConsentAction.Permissions", "", "Scope: Mail.Read Files.ReadWrite.All offline_access User.Read"),
			)}, details: ua},
		{at: g.ago(tGroupAdd), op: "Add member to group", category: "GroupManagement", service: "Core Directory",
			initiator: jordan, ip: attackerIPv6, targets: []any{app(
				modified("Group.ObjectID", "", group["id"].(string)),
				modified("Group.DisplayName", "", privilegedGroup),
			), group}, details: ua},
		// Noise of the story: a role grant under change control, and bulk licensing.
		{at: g.ago(11*day + 5*hour), op: "Add member to role", category: "RoleManagement", service: "Core Directory",
			initiator: mike, ip: officeSeattleIP, targets: []any{targetUser(g, userByName("erin.schmidt"),
				modified("Role.DisplayName", "", "Application Administrator"))}},
	}
	for i := 0; i < 14; i++ {
		u := staff[(i*5)%len(staff)]
		out = append(out, audit{at: g.ago(90*time.Minute - time.Duration(i)*80*time.Second), op: "Change user license",
			category: "UserManagement", service: "Core Directory", initiator: grace, ip: officeSeattleIP,
			targets: []any{targetUser(g, u, modified("AssignedLicense", "[]", `["SkuName=SPE_E5"]`))}})
	}
	return out
}

type auditOp struct {
	op, category, service string
	byAdmin               bool // initiated by an administrator rather than the user
	byApp                 string
	weight                float64
}

var auditOps = newWeighted([]auditOp{
	{"Update user", "UserManagement", "Core Directory", false, "", 5},
	{"Update StsRefreshTokenValidFrom Timestamp", "UserManagement", "Core Directory", false, "Microsoft Substrate Management", 3},
	{"Update device", "Device", "Core Directory", false, "Device Registration Service", 3},
	{"Add registered owner to device", "Device", "Core Directory", false, "Device Registration Service", 0.5},
	{"User registered security info", "UserManagement", "Authentication Methods", false, "", 1},
	{"Reset password (self-service)", "UserManagement", "Self-service Password Management", false, "", 0.6},
	{"Add member to group", "GroupManagement", "Core Directory", true, "", 1.2},
	{"Remove member from group", "GroupManagement", "Core Directory", true, "", 0.5},
	{"Update group", "GroupManagement", "Core Directory", true, "", 0.8},
	{"Update application", "ApplicationManagement", "Core Directory", true, "", 0.5},
	{"Update policy", "Policy", "Core Directory", true, "", 0.3},
	{"Change user license", "UserManagement", "Core Directory", true, "", 0.6},
}, func(o auditOp) float64 { return o.weight })

var groupNames = []string{"SG-Finance", "SG-Sales", "SG-Engineering", "SG-All-Staff", "SG-VPN-Users", "SG-Intune-Pilot"}

func (g *gen) auditLogs() error {
	r := g.id.rng(TableAuditLogs)
	for _, a := range g.storyAudits() {
		if err := g.emit(TableAuditLogs, g.auditRow(r, a)); err != nil {
			return err
		}
	}
	admins := []user{grace, mike}
	for i, n := 0, g.volume(volAudit); i < n; i++ {
		op := auditOps.pick(r)
		u := pick(r, staff)
		a := audit{at: g.workday(r, u.site), op: op.op, category: op.category, service: op.service,
			initiator: u, ip: officeIP(u.site), byApp: op.byApp}
		target := targetUser(g, u)
		if op.byAdmin {
			a.initiator = pick(r, admins)
			a.ip = officeSeattleIP
		}
		if op.category == "GroupManagement" {
			gn := pick(r, groupNames)
			target = targetUser(g, u, modified("Group.DisplayName", "", gn))
			a.targets = []any{target, map[string]any{"id": g.id.guid("group/" + gn), "displayName": gn, "type": "Group", "modifiedProperties": []any{}}}
		} else {
			a.targets = []any{target}
		}
		if err := g.emit(TableAuditLogs, g.auditRow(r, a)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) auditRow(r *rand.Rand, a audit) map[string]any {
	var initiatedBy map[string]any
	identity := ""
	if a.byApp != "" {
		initiatedBy = map[string]any{"app": map[string]any{"appId": nil, "displayName": a.byApp,
			"servicePrincipalId": g.id.guid("sp/" + a.byApp), "servicePrincipalName": nil}}
		identity = a.byApp
	} else {
		initiatedBy = map[string]any{"user": map[string]any{"id": g.userObjectID(a.initiator), "displayName": nil,
			"userPrincipalName": a.initiator.upn(), "ipAddress": a.ip, "roles": []any{}}}
		identity = a.initiator.display
	}
	result := a.result
	if result == "" {
		result = "success"
	}
	details := a.details
	if details == nil {
		details = []any{}
	}
	opType := "Update"
	switch {
	case strings.HasPrefix(a.op, "Add"), strings.HasPrefix(a.op, "Consent"):
		opType = "Add"
	case strings.HasPrefix(a.op, "Remove"):
		opType = "Unassign"
	}
	return map[string]any{
		"TenantId":            g.tenant,
		"SourceSystem":        "Azure AD",
		"TimeGenerated":       a.at,
		"ActivityDateTime":    a.at,
		"ResourceId":          g.aadResource,
		"OperationName":       a.op,
		"OperationVersion":    "1.0",
		"Category":            a.category,
		"ResultType":          "",
		"ResultSignature":     "None",
		"ResultDescription":   "",
		"Result":              result,
		"ResultReason":        "",
		"DurationMs":          int64(0),
		"CorrelationId":       randGUID(r),
		"Id":                  "Directory_" + randGUID(r),
		"Resource":            "Microsoft.aadiam",
		"ResourceGroup":       "Microsoft.aadiam",
		"Identity":            identity,
		"Level":               "4",
		"ActivityDisplayName": a.op,
		"LoggedByService":     a.service,
		"AADOperationType":    opType,
		"InitiatedBy":         initiatedBy,
		"TargetResources":     a.targets,
		"AdditionalDetails":   details,
		"Type":                TableAuditLogs,
	}
}

// --- AzureActivity ------------------------------------------------------------

// azOp is an Azure Resource Manager operation.
type azOp struct {
	value    string // OperationNameValue
	name     string // OperationName
	provider string
	resource string // resource type path under the resource group
	weight   float64
}

var azureOps = newWeighted([]azOp{
	{"MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION", "Start Virtual Machine", "MICROSOFT.COMPUTE", "Microsoft.Compute/virtualMachines/", 3},
	{"MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION", "Deallocate Virtual Machine", "MICROSOFT.COMPUTE", "Microsoft.Compute/virtualMachines/", 3},
	{"MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE", "Create Deployment", "MICROSOFT.RESOURCES", "Microsoft.Resources/deployments/", 3},
	{"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", "List Storage Account Keys", "MICROSOFT.STORAGE", "Microsoft.Storage/storageAccounts/", 2},
	{"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE", "Create or Update Network Security Group", "MICROSOFT.NETWORK", "Microsoft.Network/networkSecurityGroups/", 1},
	{"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "Create or update resource diagnostic setting", "MICROSOFT.INSIGHTS", "Microsoft.Insights/diagnosticSettings/", 0.5},
	{"MICROSOFT.WEB/SITES/RESTART/ACTION", "Restart Web App", "MICROSOFT.WEB", "Microsoft.Web/sites/", 1},
	{"MICROSOFT.KEYVAULT/VAULTS/WRITE", "Update Key Vault", "MICROSOFT.KEYVAULT", "Microsoft.KeyVault/vaults/", 0.4},
	{"MICROSOFT.AUTHORIZATION/POLICIES/AUDIT/ACTION", "'audit' Policy action.", "MICROSOFT.AUTHORIZATION", "Microsoft.Compute/virtualMachines/", 4},
}, func(o azOp) float64 { return o.weight })

var azureResourceNames = map[string][]string{
	"Microsoft.Compute/virtualMachines/":       {"web-lnx-01", "lnx-jump-01", "lnx-proxy-01", "vm-build-01"},
	"Microsoft.Resources/deployments/":         {"main-20240501", "network-hub", "aks-baseline"},
	"Microsoft.Storage/storageAccounts/":       {storageFinance, "stcontosologs01", "stbuildartifacts"},
	"Microsoft.Network/networkSecurityGroups/": {"nsg-web", "nsg-jump"},
	"Microsoft.Insights/diagnosticSettings/":   {"send-to-law"},
	"Microsoft.Web/sites/":                     {"app-contoso-portal", "app-invoices"},
	"Microsoft.KeyVault/vaults/":               {keyVaultFinance, "kv-platform"},
}

var azureResourceGroups = []string{"rg-workloads", "rg-network", "rg-platform", resourceGroupFinance}

// azEvent is one AzureActivity row.
type azEvent struct {
	at       time.Time
	op       azOp
	rg       string
	resource string // full resource id
	caller   string
	ip       string
	status   string // "Start", "Success", "Accept"
	corr     string
	props    map[string]any
	category string
}

func (g *gen) storyAzure() []azEvent {
	sp := g.id.guid("sp/" + maliciousApp)
	rgID := g.rgResourceID(resourceGroupFinance)
	role := azOp{"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "Create role assignment", "MICROSOFT.AUTHORIZATION", "", 0}
	roleAssignment := rgID + "/providers/Microsoft.Authorization/roleAssignments/" + g.id.guid("roleassignment/"+maliciousApp)
	roleProps := map[string]any{
		"requestbody": `{"Id":"` + g.id.guid("roleassignment/"+maliciousApp) + `","Properties":{"PrincipalId":"` + sp +
			`","PrincipalType":"ServicePrincipal","RoleDefinitionId":"/subscriptions/` + g.ws.subscriptionID +
			`/providers/Microsoft.Authorization/roleDefinitions/` + ownerRoleID + `","Scope":"` + rgID + `"}}`,
		"entity": roleAssignment, "message": "Microsoft.Authorization/roleAssignments/write", "hierarchy": g.ws.tenantID + "/" + g.ws.subscriptionID,
	}
	corr := g.id.guid("azure/roleassignment")
	listKeys := azOp{"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", "List Storage Account Keys", "MICROSOFT.STORAGE", "", 0}
	kvPolicy := azOp{"MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE", "Update Key Vault access policy", "MICROSOFT.KEYVAULT", "", 0}
	rgWrite := azOp{"MICROSOFT.RESOURCES/SUBSCRIPTIONS/RESOURCEGROUPS/WRITE", "Update resource group", "MICROSOFT.RESOURCES", "", 0}
	storage := rgID + "/providers/Microsoft.Storage/storageAccounts/" + storageFinance
	vault := rgID + "/providers/Microsoft.KeyVault/vaults/" + keyVaultFinance
	corr2, corr3, corr4 := g.id.guid("azure/listkeys"), g.id.guid("azure/kvpolicy"), g.id.guid("azure/rgwrite")
	return []azEvent{
		{at: g.ago(tRole + 20*time.Second), op: role, rg: resourceGroupFinance, resource: roleAssignment, caller: jordan.upn(), ip: attackerIPv6, status: "Start", corr: corr, props: roleProps},
		{at: g.ago(tRole), op: role, rg: resourceGroupFinance, resource: roleAssignment, caller: jordan.upn(), ip: attackerIPv6, status: "Success", corr: corr, props: roleProps},
		// The new application uses its Owner rights from the attacker's IPv4 address.
		{at: g.ago(7*hour + 50*time.Minute), op: listKeys, rg: resourceGroupFinance, resource: storage, caller: sp, ip: attackerIP, status: "Success", corr: corr2,
			props: map[string]any{"entity": storage, "message": "Microsoft.Storage/storageAccounts/listKeys/action"}},
		{at: g.ago(7*hour + 40*time.Minute), op: kvPolicy, rg: resourceGroupFinance, resource: vault, caller: sp, ip: attackerIP, status: "Success", corr: corr3,
			props: map[string]any{"entity": vault, "message": "Microsoft.KeyVault/vaults/accessPolicies/write"}},
		// Grace's new sandbox (incident 103).
		{at: g.ago(12*day + 3*hour), op: rgWrite, rg: "rg-analytics-dev", resource: g.rgResourceID("rg-analytics-dev"), caller: grace.upn(), ip: officeSeattleIP, status: "Success", corr: corr4,
			props: map[string]any{"entity": g.rgResourceID("rg-analytics-dev"), "message": "Microsoft.Resources/subscriptions/resourceGroups/write"}},
	}
}

func (g *gen) azureActivity() error {
	r := g.id.rng(TableAzureActivity)
	for _, e := range g.storyAzure() {
		if err := g.emit(TableAzureActivity, g.azureRow(r, e)); err != nil {
			return err
		}
	}
	operators := []user{grace, jordan, userByName("frank.li"), userByName("dave.okafor")}
	policy := g.id.guid("sp/Azure Policy")
	for i, n := 0, g.volume(volAzure); i < n; i++ {
		op := azureOps.pick(r)
		rg := pick(r, azureResourceGroups)
		name := pick(r, azureResourceNames[op.resource])
		e := azEvent{op: op, rg: rg, resource: g.rgResourceID(rg) + "/providers/" + op.resource + name, status: "Success", corr: randGUID(r)}
		if op.provider == "MICROSOFT.AUTHORIZATION" {
			e.at, e.caller, e.ip, e.category = g.anytime(r), policy, "", "Policy"
		} else {
			u := pick(r, operators)
			e.at, e.caller = g.workday(r, u.site), u.upn()
			e.ip = officeIP(u.site)
			if r.IntN(4) == 0 {
				e.ip = u.home
			}
			if r.IntN(3) == 0 {
				start := e
				start.status = "Start"
				start.at = g.clamp(e.at.Add(-2 * time.Second))
				if err := g.emit(TableAzureActivity, g.azureRow(r, start)); err != nil {
					return err
				}
			}
		}
		if err := g.emit(TableAzureActivity, g.azureRow(r, e)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) azureRow(r *rand.Rand, e azEvent) map[string]any {
	sub := map[string]string{"Start": "", "Success": "OK", "Accept": "Accepted"}[e.status]
	if e.op.value == "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE" && e.status == "Success" {
		sub = "Created"
	}
	category := e.category
	if category == "" {
		category = "Administrative"
	}
	props := e.props
	if props == nil {
		props = map[string]any{"entity": e.resource, "message": lower(e.op.value)}
	}
	http := ""
	if e.ip != "" {
		http = `{"clientRequestId":"` + randGUID(r) + `","clientIpAddress":"` + e.ip + `","method":"POST"}`
	}
	return map[string]any{
		"TenantId":                 g.tenant,
		"SourceSystem":             "Azure",
		"TimeGenerated":            e.at,
		"EventSubmissionTimestamp": e.at,
		"OperationNameValue":       e.op.value,
		"OperationName":            e.op.name,
		"Level":                    "Informational",
		"ActivityStatusValue":      e.status,
		"ActivitySubstatusValue":   sub,
		"CategoryValue":            category,
		"Caller":                   e.caller,
		"CallerIpAddress":          e.ip,
		"CorrelationId":            e.corr,
		"EventDataId":              randGUID(r),
		"ResourceGroup":            strings.ToUpper(e.rg),
		"ResourceProviderValue":    e.op.provider,
		"SubscriptionId":           g.ws.subscriptionID,
		"_ResourceId":              lower(e.resource),
		"HTTPRequest":              http,
		"Properties_d":             props,
		"Authorization_d":          map[string]any{"action": e.op.value, "scope": e.resource},
		"Hierarchy":                g.hierarchy,
		"Type":                     TableAzureActivity,
	}
}

// --- OfficeActivity -----------------------------------------------------------

type officeOp struct {
	op, recordType, workload string
	weight                   float64
}

var officeOps = newWeighted([]officeOp{
	{"MailItemsAccessed", "ExchangeItemAggregated", "Exchange", 10},
	{"Send", "ExchangeItem", "Exchange", 4},
	{"MoveToDeletedItems", "ExchangeItemGroup", "Exchange", 1.5},
	{"FileAccessed", "SharePointFileOperation", "SharePoint", 6},
	{"FileModified", "SharePointFileOperation", "SharePoint", 3},
	{"FileDownloaded", "SharePointFileOperation", "OneDrive", 2},
	{"FileUploaded", "SharePointFileOperation", "OneDrive", 2},
	{"FilePreviewed", "SharePointFileOperation", "SharePoint", 1.5},
	{"TeamsSessionStarted", "MicrosoftTeams", "MicrosoftTeams", 3},
	{"MessageSent", "MicrosoftTeams", "MicrosoftTeams", 0.5},
}, func(o officeOp) float64 { return o.weight })

var officeFiles = []string{
	"Q3 Forecast.xlsx", "Board Deck.pptx", "Vendor List.xlsx", "Campaign Plan.docx", "Onboarding Checklist.docx",
	"Architecture.vsdx", "Invoice Register.xlsx", "Team Offsite.pptx", "Contract Draft.docx", "Release Notes.md",
}

// office is one OfficeActivity row.
type office struct {
	at       time.Time
	op       officeOp
	u        user
	ip       string
	params   string
	item     string
	file     string
	clientID string
	client   string
}

func (g *gen) storyOffice(r *rand.Rand) []office {
	var out []office
	mailAccess := officeOp{"MailItemsAccessed", "ExchangeItemAggregated", "Exchange", 0}
	// The attacker reads jordan's mail from the spray IP, then sets the rule.
	for i := 0; i < 6; i++ {
		out = append(out, office{at: g.ago(tBreach - time.Duration(i)*7*time.Minute), op: mailAccess, u: jordan, ip: attackerIP,
			client: "Client=OWA;Action=ViaProxy"})
	}
	params := `[{"Name":"AlwaysDeleteOutlookRulesBlob","Value":"False"},{"Name":"Force","Value":"False"},` +
		`{"Name":"Name","Value":"Invoices"},{"Name":"SubjectOrBodyContainsWords","Value":"invoice;payment;wire"},` +
		`{"Name":"ForwardTo","Value":"` + forwardTo + `"},{"Name":"MarkAsRead","Value":"True"},{"Name":"StopProcessingRules","Value":"True"}]`
	out = append(out, office{at: g.ago(tInboxRule), op: officeOp{"New-InboxRule", "ExchangeAdmin", "Exchange", 0}, u: jordan,
		ip: attackerIP, params: params, item: "Invoices", client: "Client=OWA;Action=ViaProxy"})
	// The phishing mail, sent from jordan's mailbox over IPv6.
	out = append(out, office{at: g.ago(tPhishSend), op: officeOp{"Send", "ExchangeItem", "Exchange", 0}, u: jordan,
		ip: attackerIPv6, item: phishSubject, client: "Client=OWA;Action=ViaProxy"})
	// "Invoice Viewer Pro" reads jordan's mail after the consent.
	for d := tConsent - 10*time.Minute; d > 20*time.Minute; d -= 35 * time.Minute {
		out = append(out, office{at: g.ago(d), op: mailAccess, u: jordan, ip: attackerIP, clientID: g.appID(maliciousApp),
			client: "Client=REST;Client=RESTSystem;;"})
	}
	// Heidi's mass download (incident 111).
	dl := officeOp{"FileDownloaded", "SharePointFileOperation", "SharePoint", 0}
	start := g.ago(6*day + 1*hour)
	for i := 0; i < 412; i++ {
		out = append(out, office{at: start.Add(time.Duration(i) * 25 * time.Minute / 412), op: dl, u: heidi, ip: heidi.mobile,
			file: "Campaign Asset " + itoa(i+1) + ".png"})
	}
	return out
}

func (g *gen) officeActivity() error {
	r := g.id.rng(TableOfficeActivity)
	for _, o := range g.storyOffice(r) {
		if err := g.emit(TableOfficeActivity, g.officeRow(r, o)); err != nil {
			return err
		}
	}
	for i, n := 0, g.volume(volOffice); i < n; i++ {
		u := pick(r, staff)
		o := office{at: g.workday(r, u.site), op: officeOps.pick(r), u: u, ip: officeIP(u.site)}
		if r.IntN(4) == 0 {
			o.ip = u.home
		}
		switch o.op.workload {
		case "SharePoint", "OneDrive":
			o.file = pick(r, officeFiles)
		case "Exchange":
			o.client = "Client=MSExchangeRPC"
		}
		if err := g.emit(TableOfficeActivity, g.officeRow(r, o)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) officeRow(r *rand.Rand, o office) map[string]any {
	rec := map[string]any{
		"TenantId":       g.tenant,
		"SourceSystem":   "OfficeActivityManager",
		"TimeGenerated":  o.at,
		"ElevationTime":  nil,
		"RecordType":     o.op.recordType,
		"Operation":      o.op.op,
		"OrganizationId": g.tenant,
		"OfficeTenantId": g.tenant,
		"UserType":       "Regular",
		"UserKey":        strings.ToUpper(g.id.hex("puid/"+o.u.sam, 16)),
		"OfficeWorkload": o.op.workload,
		"ResultStatus":   "Succeeded",
		"UserId":         o.u.upn(),
		"ClientIP":       o.ip,
		"OfficeId":       randGUID(r),
		"ExternalAccess": false,
		"Type":           TableOfficeActivity,
	}
	switch o.op.workload {
	case "Exchange":
		rec["MailboxOwnerUPN"] = o.u.upn()
		rec["MailboxGuid"] = g.id.guid("mailbox/" + o.u.sam)
		rec["Client_IPAddress"] = o.ip
		rec["ClientInfoString"] = o.client
		rec["OriginatingServer"] = "BY5PR12MB4001 (15.20.7544.000)"
		rec["OfficeObjectId"] = ""
		if o.op.recordType == "ExchangeAdmin" {
			rec["ResultStatus"] = "True"
			rec["OfficeObjectId"] = o.u.upn() + `\` + o.item
			rec["Parameters"] = o.params
		}
		if o.item != "" && o.op.recordType != "ExchangeAdmin" {
			rec["ItemName"] = o.item
		}
		if o.clientID != "" {
			rec["ClientAppId"] = o.clientID
		}
	case "SharePoint", "OneDrive":
		site := "https://contosodemo.sharepoint.com/sites/" + strings.Split(o.u.sam, ".")[0]
		if o.op.workload == "OneDrive" {
			site = "https://contosodemo-my.sharepoint.com/personal/" + strings.ReplaceAll(o.u.upn(), ".", "_")
		}
		rec["Site_Url"] = site + "/"
		rec["SourceRelativeUrl"] = "Shared Documents"
		rec["SourceFileName"] = o.file
		ext := o.file[strings.LastIndexByte(o.file, '.')+1:]
		rec["SourceFileExtension"] = ext
		rec["OfficeObjectId"] = site + "/Shared Documents/" + o.file
		rec["UserAgent"] = uaEdge
	case "MicrosoftTeams":
		rec["OfficeObjectId"] = ""
		rec["UserAgent"] = "Microsoft Teams"
	}
	return rec
}

// directoryRoles are the Entra ID roles and groups of the staff, as UEBA's
// IdentityInfo records them: grace, the Azure administrator, is the one
// privileged account (Global Administrator, Domain Admins); the
// helpdesk's role and the SOC's groups are not privileged names.
var directoryRoles = map[string]struct{ roles, groups []string }{
	"grace.patel":  {[]string{"Global Administrator"}, []string{"Domain Admins", "IT Staff"}},
	"mike.adams":   {[]string{"Helpdesk Administrator"}, []string{"IT Staff", "Helpdesk"}},
	"jordan.reyes": {nil, []string{"IT Staff", "Cloud Operations"}},
	"priya.shah":   {[]string{"Security Reader"}, []string{"SOC"}},
	"tom.becker":   {[]string{"Security Reader"}, []string{"SOC"}},
}

// identityInfoEvery is how often UEBA writes an account's row again.
const identityInfoEvery = 7 * day

// identityInfo writes UEBA's IdentityInfo rows: one per user every
// identityInfoEvery, the first at the window's start, with the roles and
// groups of directoryRoles (every user is in their department's group);
// erin.schmidt's rows after her approved role grant (incident 104) hold
// Application Administrator.
func (g *gen) identityInfo() error {
	grant := g.ago(11*day + 5*hour)
	for _, u := range users {
		dr := directoryRoles[u.sam]
		for t := g.start; !t.After(g.now); t = t.Add(identityInfoEvery) {
			roles := strs(dr.roles...)
			if u.sam == "erin.schmidt" && !t.Before(grant) {
				roles = strs("Application Administrator")
			}
			groups := strs(append([]string{u.dept}, dr.groups...)...)
			if err := g.emit(TableIdentityInfo, map[string]any{
				"TenantId":           g.tenant,
				"SourceSystem":       "UEBA",
				"Type":               TableIdentityInfo,
				"TimeGenerated":      t,
				"AccountUPN":         u.upn(),
				"AccountObjectId":    g.userObjectID(u),
				"AccountSID":         u.sid(),
				"AccountName":        u.sam,
				"AccountDomain":      ntDomain,
				"AccountDisplayName": u.display,
				"Department":         u.dept,
				"JobTitle":           u.title,
				"MailAddress":        u.upn(),
				"IsAccountEnabled":   true,
				"AssignedRoles":      roles,
				"GroupMembership":    groups,
			}); err != nil {
				return err
			}
		}
	}
	return nil
}
