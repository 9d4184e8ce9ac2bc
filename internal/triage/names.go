package triage

import (
	"strings"
	"unicode"
)

// propRenames maps, per kind, the SecurityAlert.Entities property names whose
// API name is not simply their lower-camel form.
var propRenames = map[Kind]map[string]string{
	KindAccount:          {"Name": "accountName"},
	KindFile:             {"Name": "fileName"},
	KindFileHash:         {"Value": "hashValue"},
	KindRegistryValue:    {"Name": "valueName", "Value": "valueData"},
	KindMalware:          {"Name": "malwareName"},
	KindCloudApplication: {"Name": "appName"},
	KindSecurityAlert:    {"DisplayName": "alertDisplayName", "AlertDisplayName": "alertDisplayName"},
}

// apiPropName returns the incident-entities API name of a SecurityAlert.Entities
// property of kind k ("NTDomain" -> "ntDomain", account "Name" -> "accountName").
func apiPropName(k Kind, name string) string {
	if r, ok := propRenames[k][name]; ok {
		return r
	}
	return lowerCamel(name)
}

// lowerCamel turns a PascalCase identifier into the API's camelCase: the
// leading run of capitals is lowered, except the last one when a lower-case
// letter follows ("NTDomain" -> "ntDomain", "SID" -> "sid", "OMSAgentID" ->
// "omsAgentID", "IoTHub" -> "iotHub").
func lowerCamel(s string) string {
	if strings.HasPrefix(s, "IoT") {
		return "iot" + s[3:]
	}
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r):
	case unicode.IsLower(r[n]):
		n-- // keep the capital that starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// isIdent reports whether s is a plain identifier (letters and digits only),
// the only kind of nested key lowerCamel is applied to.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// relFromEntityID turns an API link property into a link relation:
// "hostEntityId" -> "host", "fileHashEntityIds" -> "fileHashes". ok is false
// when name is not a link property.
func relFromEntityID(name string) (rel string, many, ok bool) {
	switch {
	case strings.HasSuffix(name, "EntityIds") && len(name) > len("EntityIds"):
		return plural(strings.TrimSuffix(name, "EntityIds")), true, true
	case strings.HasSuffix(name, "EntityId") && len(name) > len("EntityId"):
		return strings.TrimSuffix(name, "EntityId"), false, true
	}
	return "", false, false
}

// plural is a small English plural for relation names.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"),
		strings.HasSuffix(s, "sh"), strings.HasSuffix(s, "ch"):
		return s + "es"
	case len(s) > 1 && strings.HasSuffix(s, "y") && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}
