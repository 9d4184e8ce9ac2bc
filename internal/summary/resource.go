package summary

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() { summarizers[triage.KindAzureResource] = summarizeResources }

// qResourceActivity is the Azure activity on resources and under them
// (summary_other.yaml).
const qResourceActivity = "azure_resource_activity"

// resourceCols are the columns of a resource's activity table.
var resourceCols = []col{
	{"Caller", "Caller", report.ColText}, {"Operation", "OperationNameValue", report.ColLabel},
	{"Resources", "Resources", report.ColText}, {"Statuses", "Statuses", report.ColOutcome}, {"Count", "Count", report.ColCount},
	{"Caller addresses", "CallerIPs", report.ColAddress}, {"First seen", "FirstSeen", report.ColFirstSeen},
	{"Last seen", "LastSeen", report.ColLastSeen},
}

// resourceAsk is what an Azure resource entity asks about: a full id, or a
// name (the last part of ids, or the last parts: "virtualmachines/vm-1") as
// the report prints it and an analyst types it, which stands for the ids of
// the window's activity that it names.
type resourceAsk struct {
	id, name string
	ids      []string // the ids asked about, lower case
}

func resourceAskOf(e triage.Entity) resourceAsk {
	v := strings.ToLower(strings.TrimSpace(e.Prop("resourceId")))
	switch {
	case v == "":
		return resourceAsk{}
	case strings.HasPrefix(v, "/subscriptions/") || strings.HasPrefix(v, "/providers/"):
		id := strings.TrimRight(v, "/")
		return resourceAsk{id: id, ids: []string{id}}
	}
	return resourceAsk{name: strings.Trim(v, "/")}
}

// summarizeResources summarises Azure resources: the activity on each and
// on everything under it. A resource given by name is every resource of
// that name in the window's activity, each labelled; one that finds
// nothing says which resources have that name, or a name like it.
func summarizeResources(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	generic(ctx, env, ents, sums)
	asks := make([]resourceAsk, len(ents))
	var names []string
	for i, e := range ents {
		asks[i] = resourceAskOf(e)
		if asks[i].name != "" {
			names = append(names, asks[i].name)
		}
	}
	found, nameErr := env.named(ctx, qResourceNames, names, "ResourceId")
	var all []string
	for i := range asks {
		if a := &asks[i]; a.name != "" {
			a.ids = resourcesNamed(found[a.name], a.name)
		}
		all = append(all, asks[i].ids...)
	}
	var o outcome
	if all = dedupe(all); len(all) > 0 {
		p := env.window()
		p["ids"] = all
		o = env.runAll(ctx, map[string]workspace.Params{qResourceActivity: p})[qResourceActivity]
	}

	const name, source = "Activity on the resource", "AzureActivity"
	var hints []int // the entities given by id that found nothing
	for i, a := range asks {
		s := sums[i]
		switch {
		case a.id == "" && a.name == "":
			s.Sections = append(s.Sections, report.SummarySection{Name: name, Source: source, Status: report.StatusSkipped,
				Reason: "the entity has no resource id to look for"})
			continue
		case a.name != "" && nameErr != nil:
			s.Sections = append(s.Sections, env.sectionFor(name, source, outcome{err: nameErr}, nil, "", nil))
			continue
		case a.name != "" && len(a.ids) == 0:
			none := "no Azure activity on a resource named " + a.name + " " + env.span()
			s.Sections = append(s.Sections, report.SummarySection{Name: name, Source: source, Status: report.StatusEmpty, Reason: none})
			nothingFound(s, none, "resources whose name contains it", resourcesLike(found[a.name], a.name), resourceForms)
			continue
		case a.name != "" && len(a.ids) == 1:
			fact(&s.Facts, "Resource named "+a.name, a.ids[0])
		case a.name != "":
			fact(&s.Facts, "Resources named "+a.name, strconv.Itoa(len(a.ids))+" resources share the name, each summarised: "+
				strings.Join(a.ids, ", "))
		}
		mine := map[string]bool{}
		for _, id := range a.ids {
			mine[id] = true
		}
		var rows []workspace.Record
		for _, r := range o.recs {
			if mine[strings.ToLower(r.String("Value"))] {
				rows = append(rows, r)
			}
		}
		s.Sections = append(s.Sections, env.sectionFor(name, source, o, rows,
			"no Azure activity on this resource or under it "+env.span(), func(sec *report.SummarySection, rows []workspace.Record) {
				cols := resourceCols
				if len(a.ids) > 1 { // which of the resources of that name
					cols = append([]col{{"Resource id", "Value", report.ColText}}, cols...)
				}
				sec.Table = table(rows, env.maxRows(), cols...)
			}))
		if a.id != "" && foundNothing(s) {
			hints = append(hints, i)
		}
	}

	// An id that found nothing may be mistyped, or of another
	// subscription: the resources with its name, or a name like it.
	var last []string
	for _, i := range hints {
		last = append(last, lastPart(asks[i].id))
	}
	found, err := env.named(ctx, qResourceNames, last, "ResourceId")
	if err != nil {
		return // a hint only: the section says what was asked
	}
	for _, i := range hints {
		a, n := asks[i], lastPart(asks[i].id)
		none := "no Azure activity on this resource or under it " + env.span()
		same := slices.DeleteFunc(resourcesNamed(found[n], n), func(id string) bool { return id == a.id })
		if len(same) > 0 {
			nothingFound(sums[i], none, "resources named "+n, same, "")
		} else {
			nothingFound(sums[i], none, "resources whose name contains "+n, resourcesLike(found[n], n), resourceForms)
		}
	}
}

// resourceForms is what an Azure resource may be given as.
const resourceForms = "give a resource's name (the last part of its id, e.g. rg-finance-prod), its last parts " +
	"(virtualMachines/vm-01) or its full id (/subscriptions/ID/resourceGroups/NAME/...)"

// resourcesNamed returns the resources of ids (and their ancestors) that
// are named name, sorted: those whose id ends with /name.
func resourcesNamed(ids []string, name string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range resourcePath(id) {
			if strings.HasSuffix(r, "/"+name) {
				out = append(out, r)
			}
		}
	}
	out = dedupe(out)
	slices.Sort(out)
	return out
}

// resourcesLike returns the resources of ids (and their ancestors) whose
// own name contains the last part of name, sorted.
func resourcesLike(ids []string, name string) []string {
	part := lastPart(name)
	var out []string
	for _, id := range ids {
		for _, r := range resourcePath(id) {
			if strings.Contains(lastPart(r), part) && strings.Contains(r, name) {
				out = append(out, r)
			}
		}
	}
	out = dedupe(out)
	slices.Sort(out)
	return out
}

// resourcePath lists the resources an Azure resource id names, from the
// outermost: /subscriptions/S/resourceGroups/G/providers/NS/T/R names
// /subscriptions/S, /subscriptions/S/resourceGroups/G and the whole id. A
// provider namespace is not a resource: it is skipped with its
// "providers" part, here and in extension resources further down.
func resourcePath(id string) []string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	var out []string
	for i := 0; i+1 < len(parts); i += 2 {
		if strings.EqualFold(parts[i], "providers") {
			continue
		}
		out = append(out, "/"+strings.Join(parts[:i+2], "/"))
	}
	return out
}

// lastPart is the part of a path after its last /.
func lastPart(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
