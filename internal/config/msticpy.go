package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/intel/providers"
)

const msticpyNoLoad = "--no-load--"

// msticpyReader translates msticpyconfig.yaml into a fileConfig. msticpy's
// file is read leniently, as msticpy does: keys match ignoring case, and
// anything triage cannot use is a warning, never an error.
type msticpyReader struct {
	file     string
	getenv   func(string) string
	fc       *fileConfig
	warnings []*Error
}

// readMsticpy reads msticpyconfig.yaml. Only a file that is not YAML is an
// error.
func readMsticpy(file string, data []byte, getenv func(string) string) (*fileConfig, []string, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, nil, err
	}
	r := &msticpyReader{file: file, getenv: getenv, fc: &fileConfig{}}
	if root == nil {
		return r.fc, nil, nil
	}
	r.workspaces(root)
	r.azure(root)
	r.keyVault(root)
	r.tiProviders(root)
	r.otherProviders(root)
	sort.SliceStable(r.warnings, func(i, j int) bool { return r.warnings[i].Line < r.warnings[j].Line })
	warnings := make([]string, len(r.warnings))
	for i, w := range r.warnings {
		warnings[i] = w.Error()
	}
	return r.fc, warnings, nil
}

func (r *msticpyReader) warn(line int, key, format string, args ...any) {
	r.warnings = append(r.warnings, &Error{File: r.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

func (r *msticpyReader) origin(line int, key string) Origin {
	return Origin{File: r.file, Line: line, Key: key}
}

// child returns the key and value nodes of key in mapping n, ignoring case.
func child(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(n.Content[i].Value, key) {
			v := n.Content[i+1]
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			return n.Content[i], v
		}
	}
	return nil, nil
}

// pairs calls fn for each key and value of mapping n.
func pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		fn(n.Content[i], v)
	}
}

// str returns a scalar's value; ok is false for anything else. Null is "".
func str(n *yaml.Node) (string, bool) {
	if isNull(n) {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// text returns the string at key in n, warning when it is not a string.
func (r *msticpyReader) text(n *yaml.Node, key, path string) (string, int) {
	k, v := child(n, key)
	if k == nil {
		return "", 0
	}
	s, ok := str(v)
	if !ok {
		r.warn(k.Line, path+"."+k.Value, "want a string, got %s; ignored", describe(v))
		return "", k.Line
	}
	return s, k.Line
}

// value returns a non-secret setting at key in n: a string or
// {EnvironmentVar: NAME}, read now.
func (r *msticpyReader) value(n *yaml.Node, key, path string) string {
	k, v := child(n, key)
	if k == nil {
		return ""
	}
	if v.Kind == yaml.MappingNode {
		if ek, ev := child(v, "EnvironmentVar"); ek != nil {
			name, _ := str(ev)
			val := r.getenv(name)
			if val == "" {
				r.warn(k.Line, path+"."+k.Value, "environment variable %s is not set", name)
			}
			return val
		}
	}
	s, ok := str(v)
	if !ok {
		r.warn(k.Line, path+"."+k.Value, "want a string or {EnvironmentVar: NAME}, got %s; ignored", describe(v))
	}
	return s
}

// secret returns the secret at key in n: a plain value, {EnvironmentVar:
// NAME} or {KeyVault: REF}.
func (r *msticpyReader) secret(n *yaml.Node, key, path string) *secretSpec {
	k, v := child(n, key)
	if k == nil {
		return nil
	}
	path += "." + k.Value
	o := r.origin(k.Line, path)
	if v.Kind == yaml.MappingNode {
		if ek, ev := child(v, "EnvironmentVar"); ek != nil {
			name, ok := str(ev)
			if !ok || !validEnvName(name) {
				r.warn(ek.Line, path, "EnvironmentVar must name an environment variable; ignored")
				return nil
			}
			return &secretSpec{kind: SecretEnv, value: name, origin: o}
		}
		if kk, kv := child(v, "KeyVault"); kk != nil {
			ref, ok := str(kv)
			if !ok {
				r.warn(kk.Line, path, "KeyVault must be empty, SECRET or VAULT/SECRET; ignored")
				return nil
			}
			return &secretSpec{kind: SecretKeyVault, value: ref, origin: o}
		}
		r.warn(k.Line, path, "want a value, {EnvironmentVar: NAME} or {KeyVault: REF}; ignored")
		return nil
	}
	s, ok := str(v)
	if !ok {
		r.warn(k.Line, path, "want a value, {EnvironmentVar: NAME} or {KeyVault: REF}, got %s; ignored", describe(v))
		return nil
	}
	return &secretSpec{kind: SecretPlain, value: s, origin: o}
}

func (r *msticpyReader) workspaces(root *yaml.Node) {
	_, sentinel := child(root, "AzureSentinel")
	wk, wss := child(sentinel, "Workspaces")
	if wk == nil || isNull(wss) {
		return
	}
	if wss.Kind != yaml.MappingNode {
		r.warn(wk.Line, "AzureSentinel.Workspaces", "want a mapping of workspaces, got %s; ignored", describe(wss))
		return
	}
	type entry struct {
		name string
		ws   *fileWorkspace
	}
	var entries []entry
	pairs(wss, func(k, v *yaml.Node) {
		name := k.Value
		path := "AzureSentinel.Workspaces." + name
		if v.Kind != yaml.MappingNode {
			r.warn(k.Line, path, "want a mapping with WorkspaceId and TenantId, got %s; ignored", describe(v))
			return
		}
		if strings.EqualFold(name, DemoWorkspace) {
			r.warn(k.Line, path, "the name %q is taken by the built-in demo workspace; ignored", name)
			return
		}
		w := &fileWorkspace{Kind: ptr(KindSentinel), Origins: []Origin{r.origin(k.Line, path)}}
		for _, f := range []struct {
			key string
			dst **string
		}{
			{"WorkspaceId", &w.WorkspaceID},
			{"TenantId", &w.TenantID},
			{"SubscriptionId", &w.SubscriptionID},
			{"ResourceGroup", &w.ResourceGroup},
			{"WorkspaceName", &w.WorkspaceName},
		} {
			if s, _ := r.text(v, f.key, path); s != "" {
				*f.dst = ptr(s)
			}
		}
		entries = append(entries, entry{name, w})
	})
	if len(entries) == 0 {
		return
	}
	// msticpy uses Default when no workspace is named, or the only one. A
	// Default that repeats a named workspace's WorkspaceId is that workspace.
	r.fc.Workspaces = map[string]*fileWorkspace{}
	def := ""
	for _, e := range entries {
		if strings.EqualFold(e.name, "Default") {
			def = e.name
		}
	}
	for _, e := range entries {
		r.fc.Workspaces[e.name] = e.ws
	}
	if def != "" {
		d := r.fc.Workspaces[def]
		for _, e := range entries {
			if e.name == def || d.WorkspaceID == nil || e.ws.WorkspaceID == nil ||
				!strings.EqualFold(*d.WorkspaceID, *e.ws.WorkspaceID) {
				continue
			}
			fillWorkspace(e.ws, d)
			delete(r.fc.Workspaces, def)
			def = e.name
			break
		}
		r.fc.DefaultWorkspace = ptr(def)
	} else if len(entries) == 1 {
		r.fc.DefaultWorkspace = ptr(entries[0].name)
	}
}

// fillWorkspace sets the fields of w that are unset from d.
func fillWorkspace(w, d *fileWorkspace) {
	for _, f := range [][2]**string{
		{&w.TenantID, &d.TenantID}, {&w.SubscriptionID, &d.SubscriptionID},
		{&w.ResourceGroup, &d.ResourceGroup}, {&w.WorkspaceName, &d.WorkspaceName},
	} {
		if *f[0] == nil {
			*f[0] = *f[1]
		}
	}
	w.Origins = append(w.Origins, d.Origins...)
}

func (r *msticpyReader) azure(root *yaml.Node) {
	ak, az := child(root, "Azure")
	if ak == nil || isNull(az) {
		return
	}
	fa := &fileAzure{}
	if s, line := r.text(az, "cloud", "Azure"); s != "" {
		_, name, ok := CloudEndpoints(s)
		switch {
		case !ok:
			r.warn(line, "Azure.cloud", "unknown cloud %q (msticpy knows global, usgov and cn); using public", s)
		case name == CloudGermany:
			r.warn(line, "Azure.cloud", "Azure Germany (%q) was closed in October 2021 and is not supported", s)
			fa.Cloud = ptr(name)
		default:
			fa.Cloud = ptr(name)
		}
	}
	if s, line := r.text(az, "resource_manager_url", "Azure"); s != "" {
		if u, err := normalizeEndpoint(s); err != nil {
			r.warn(line, "Azure.resource_manager_url", "%v; ignored", err)
		} else if httpapi.Cleartext(u) {
			r.warn(line, "Azure.resource_manager_url", "%s; ignored", cleartextEndpoint(u))
		} else {
			fa.Endpoints = &fileEndpoints{ResourceManager: &u}
			r.warn(line, "Azure.resource_manager_url", "triage does not fetch endpoint metadata: the Log Analytics and sign-in endpoints stay those of the cloud; set azure.endpoints in triage.yaml if they differ")
		}
	}
	if s, _ := r.text(az, "tenant_id", "Azure"); s != "" {
		for _, w := range r.fc.Workspaces {
			if w.TenantID == nil {
				w.TenantID = ptr(s)
			}
		}
	}
	if mk, methods := child(az, "auth_methods"); mk != nil {
		fa.Auth = r.authMethods(root, mk, methods)
	}
	r.fc.Azure = fa
}

// authMethods maps msticpy's auth_methods. msticpy's "env" reads
// DataProviders.AzureCLI.Args (clientId, tenantId, clientSecret) when they
// are there and the AZURE_* environment variables otherwise; triage's
// clientsecret does the same.
func (r *msticpyReader) authMethods(root, mk, methods *yaml.Node) *fileAuth {
	var list []string
	switch methods.Kind {
	case yaml.SequenceNode:
		for _, m := range methods.Content {
			s, _ := str(m)
			list = append(list, s)
		}
	case yaml.ScalarNode:
		list = []string{methods.Value}
	default:
		r.warn(mk.Line, "Azure.auth_methods", "want a list, got %s; ignored", describe(methods))
		return nil
	}
	fa := &fileAuth{}
	env := false
	for _, m := range list {
		var ours string
		switch strings.ToLower(m) {
		case "env":
			ours, env = AuthClientSecret, true
		case "clientsecret":
			ours = AuthClientSecret
		case "cli":
			ours = AuthCLI
		case "msi":
			ours = AuthManagedIdentity
		case "interactive", "devicecode":
			ours = AuthDeviceCode
		default:
			r.warn(mk.Line, "Azure.auth_methods", "method %q is not supported by triage; skipped (triage has %s)", m, strings.Join(AuthMethods, ", "))
			continue
		}
		if !slices.Contains(fa.Method, ours) {
			fa.Method = append(fa.Method, ours)
		}
	}
	if len(fa.Method) == 0 {
		return nil
	}
	if env {
		_, dp := child(root, "DataProviders")
		_, cli := child(dp, "AzureCLI")
		if _, args := child(cli, "Args"); args != nil {
			path := "DataProviders.AzureCLI.Args"
			if s := r.value(args, "clientId", path); s != "" {
				fa.ClientID = ptr(s)
			}
			if s := r.value(args, "tenantId", path); s != "" {
				fa.TenantID = ptr(s)
			}
			fa.ClientSecret = r.secret(args, "clientSecret", path)
		}
	}
	return fa
}

func (r *msticpyReader) keyVault(root *yaml.Node) {
	k, kv := child(root, "KeyVault")
	if k == nil || isNull(kv) {
		return
	}
	fk := &fileKeyVault{Origins: []Origin{r.origin(k.Line, "KeyVault")}}
	if s, line := r.text(kv, "VaultName", "KeyVault"); s != "" {
		if _, err := vaultURL(s, "vault.azure.net"); err != nil {
			r.warn(line, "KeyVault.VaultName", "%v; ignored", err)
		} else {
			fk.VaultName = ptr(s)
		}
	}
	if s, _ := r.text(kv, "TenantId", "KeyVault"); s != "" {
		fk.TenantID = ptr(s)
	}
	if s, line := r.text(kv, "Authority", "KeyVault"); s != "" {
		if _, name, ok := CloudEndpoints(s); ok {
			fk.Cloud = ptr(name)
		} else {
			r.warn(line, "KeyVault.Authority", "unknown cloud %q; ignored", s)
		}
	}
	if s, line := r.text(kv, "AuthorityURI", "KeyVault"); s != "" {
		if u, err := normalizeEndpoint(s); err != nil {
			r.warn(line, "KeyVault.AuthorityURI", "%v; ignored", err)
		} else if httpapi.Cleartext(u) {
			r.warn(line, "KeyVault.AuthorityURI", "%s; ignored", cleartextEndpoint(u))
		} else {
			fk.Endpoints = &fileEndpoints{AuthorityHost: &u}
		}
	}
	r.fc.KeyVault = fk
}

func (r *msticpyReader) tiProviders(root *yaml.Node) {
	_, ti := child(root, "TIProviders")
	pairs(ti, func(k, v *yaml.Node) {
		section := k.Value
		path := "TIProviders." + section
		if v.Kind != yaml.MappingNode {
			r.warn(k.Line, path, "want a mapping, got %s; ignored", describe(v))
			return
		}
		class := section
		if s, _ := r.text(v, "Provider", path); s != "" {
			class = s
		}
		if class == msticpyNoLoad {
			if spec, ok := providers.FindMsticpy(section); ok && r.fc.Providers[spec.Name] == nil {
				r.setProvider(spec.Name, &fileProvider{
					Enabled:    ptr(false),
					Origins:    []Origin{r.origin(k.Line, path)},
					DisabledBy: fmt.Sprintf("Provider: %s in %s", msticpyNoLoad, r.origin(k.Line, path)),
				})
			}
			return
		}
		spec, ok := providers.FindMsticpy(class)
		if !ok {
			r.warn(k.Line, path, "provider %s is not supported by triage; ignored", class)
			return
		}
		id := spec.Name
		if prev := r.fc.Providers[id]; prev != nil && prev.DisabledBy == "" {
			r.warn(k.Line, path, "%s is already configured by %s; ignored", id, prev.Origins[0])
			return
		}
		p := &fileProvider{Enabled: ptr(true), Primary: ptr(false), Origins: []Origin{r.origin(k.Line, path)}}
		if pk, pv := child(v, "Primary"); pk != nil {
			var b bool
			if pv.Kind != yaml.ScalarNode || pv.Decode(&b) != nil {
				r.warn(pk.Line, path+".Primary", "want True or False, got %s; taken as False", describe(pv))
			}
			p.Primary = ptr(b)
		}
		_, args := child(v, "Args")
		p.APIKey = r.secret(args, "AuthKey", path+".Args")
		if spec.NeedsID {
			p.APIID = r.secret(args, "ApiID", path+".Args")
		}
		pairs(args, func(ak, av *yaml.Node) {
			switch strings.ToLower(ak.Value) {
			case "authkey", "apiid":
				return
			}
			if s, ok := str(av); ok && s != "" {
				if p.Options == nil {
					p.Options = map[string]string{}
				}
				p.Options[ak.Value] = s
			}
		})
		r.setProvider(id, p)
	})
}

func (r *msticpyReader) setProvider(id string, p *fileProvider) {
	if r.fc.Providers == nil {
		r.fc.Providers = map[string]*fileProvider{}
	}
	r.fc.Providers[id] = p
}

func (r *msticpyReader) otherProviders(root *yaml.Node) {
	_, other := child(root, "OtherProviders")
	pairs(other, func(k, v *yaml.Node) {
		path := "OtherProviders." + k.Value
		class := k.Value
		if s, _ := r.text(v, "Provider", path); s != "" {
			class = s
		}
		switch {
		case class == msticpyNoLoad:
			return
		case !strings.EqualFold(class, "GeoLiteLookup") && !strings.EqualFold(k.Value, "GeoIPLite"):
			r.warn(k.Line, path, "provider %s is not supported by triage; ignored (triage reads MaxMind GeoLite2 databases)", class)
			return
		case r.fc.GeoIP != nil:
			r.warn(k.Line, path, "GeoLite settings are already given by %s; ignored", r.fc.GeoIP.Origins[0])
			return
		}
		g := &fileGeoIP{Origins: []Origin{r.origin(k.Line, path)}}
		_, args := child(v, "Args")
		g.LicenseKey = r.secret(args, "AuthKey", path+".Args")
		if s := r.value(args, "AccountID", path+".Args"); s != "" {
			g.AccountID = ptr(s)
		}
		if s := r.value(args, "DBFolder", path+".Args"); s != "" {
			g.DBFolder = ptr(s)
		}
		r.fc.GeoIP = g
	})
}

func ptr[T any](v T) *T { return &v }
