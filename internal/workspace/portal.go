package workspace

import "net/url"

// DefenderPortalURL is the Microsoft Defender portal's page of incident id
// (a Defender XDR incident id, which is also a Sentinel incident's
// providerIncidentId once the workspace is onboarded to the Defender
// portal) in the global cloud, with the tenant when known. Links are built
// only when the service gives none: national clouds have portals of their
// own.
func DefenderPortalURL(id, tenant string) string {
	u := "https://security.microsoft.com/incident2/" + url.PathEscape(id) + "/overview"
	if tenant != "" {
		u += "?tid=" + url.QueryEscape(tenant)
	}
	return u
}
