package summary

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() {
	summarizers[triage.KindFileHash] = func(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
		generic(ctx, env, ents, sums)
		env.pivot(ctx, ents, sums, pivotSpec{
			query: "file_hash_sightings", param: "hashes",
			values: func(e triage.Entity) []string { return lower(e.Prop("hashValue")) },
			match:  hashColumns,
			name:   "Where the file was seen", source: "DeviceFileEvents, DeviceProcessEvents",
			empty: "no device wrote or ran a file with this hash in the window",
			cols: []col{{"Device", "DeviceName", report.ColLabel}, {"File name", "FileName", report.ColLabel},
				{"Seen in", "Table", report.ColText}, {"Actions", "Actions", report.ColText}, {"Count", "Count", report.ColCount},
				{"First seen", "FirstSeen", report.ColFirstSeen}, {"Last seen", "LastSeen", report.ColLastSeen}},
			lists: []string{"Actions"},
		})
	}
	summarizers[triage.KindFile] = func(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
		generic(ctx, env, ents, sums)
		// A file is looked for by its hashes when the alert linked any,
		// else by its name.
		var byHash, byName []int
		for i, e := range ents {
			if len(fileHashes(e)) > 0 {
				byHash = append(byHash, i)
			} else {
				byName = append(byName, i)
			}
		}
		pick := func(idx []int) ([]triage.Entity, []*report.Summary) {
			es, ss := make([]triage.Entity, len(idx)), make([]*report.Summary, len(idx))
			for j, i := range idx {
				es[j], ss[j] = ents[i], sums[i]
			}
			return es, ss
		}
		cols := []col{{"Device", "DeviceName", report.ColLabel}, {"Folder", "Folder", report.ColText},
			{"Seen in", "Table", report.ColText}, {"Actions", "Actions", report.ColText}, {"Count", "Count", report.ColCount},
			{"First seen", "FirstSeen", report.ColFirstSeen}, {"Last seen", "LastSeen", report.ColLastSeen}}
		if es, ss := pick(byHash); len(es) > 0 {
			env.pivot(ctx, es, ss, pivotSpec{
				query: "file_hash_sightings", param: "hashes", values: fileHashes, match: hashColumns,
				name: "Where the file was seen", source: "DeviceFileEvents, DeviceProcessEvents",
				empty: "no device wrote or ran a file with this file's hashes in the window",
				cols:  cols, lists: []string{"Actions"},
			})
		}
		if es, ss := pick(byName); len(es) > 0 {
			env.pivot(ctx, es, ss, pivotSpec{
				query: "file_name_sightings", param: "names",
				values: func(e triage.Entity) []string {
					if n := strings.TrimSpace(e.Prop("fileName")); n != "" {
						return []string{n} // as given: the query also tries it lower- and upper-cased
					}
					return nil
				},
				match: []string{"Value"},
				name:  "Where a file of this name was seen", source: "DeviceFileEvents, DeviceProcessEvents",
				empty: "no device wrote or ran a file of this name in the window",
				skip:  "the file entity carries neither a hash nor a name",
				cols:  append([]col{{"SHA-256", "SHA256", report.ColText}}, cols...), lists: []string{"Actions"},
			})
		}
	}
	summarizers[triage.KindMailbox] = func(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
		generic(ctx, env, ents, sums)
		env.pivot(ctx, ents, sums, pivotSpec{
			query: "mailbox_activity", param: "addresses",
			values: func(e triage.Entity) []string {
				return append(lower(e.Prop("mailboxPrimaryAddress")), lower(e.Prop("upn"))...)
			},
			match: []string{"UserId", "MailboxOwnerUPN"},
			name:  "Mailbox activity", source: "OfficeActivity",
			empty: "no Office activity by or on this mailbox in the window",
			cols: []col{{"Workload", "OfficeWorkload", report.ColText}, {"Operation", "Operation", report.ColLabel},
				{"Count", "Count", report.ColCount}, {"Client addresses", "ClientIPs", report.ColAddress},
				{"First seen", "FirstSeen", report.ColFirstSeen}, {"Last seen", "LastSeen", report.ColLastSeen}},
			lists: []string{"ClientIPs"},
		})
	}
}

// hashColumns are file_hash_sightings' columns a row is matched on.
var hashColumns = []string{"SHA256", "SHA1", "MD5"}

// fileHashes are the hashes a File entity links to.
func fileHashes(e triage.Entity) []string {
	var out []string
	for _, l := range e.Links {
		if h, ok := strings.CutPrefix(l.Key, string(triage.KindFileHash)+":"); ok {
			out = append(out, lower(h)...)
		}
	}
	return out
}

// pivotSpec is one question asked of the logs for every entity of a kind.
type pivotSpec struct {
	query, param string
	// values are an entity's normalised values to ask about; a row belongs
	// to every entity one of whose values is in one of its match columns.
	values              func(triage.Entity) []string
	match               []string
	name, source, empty string
	skip                string // the reason when an entity has no value
	// cols are the columns shown; lists the fields of those of them that
	// hold sets of values ("a, b"), and every pivot query has Count,
	// FirstSeen and LastSeen: an entity's rows that show the same thing are
	// merged.
	cols  []col
	lists []string
}

// pivot runs spec's query once for every entity and adds a section to each.
func (env *Env) pivot(ctx context.Context, ents []triage.Entity, sums []*report.Summary, spec pivotSpec) {
	var all []string
	vals := make([][]string, len(ents))
	seen := map[string]bool{}
	for i, e := range ents {
		vals[i] = spec.values(e)
		for _, v := range vals[i] {
			if !seen[v] {
				seen[v] = true
				all = append(all, v)
			}
		}
	}
	var recs []workspace.Record
	var n notes
	var err error
	if len(all) > 0 {
		p := env.window()
		p[spec.param] = all
		recs, n, err = env.query(ctx, spec.query, p)
	}
	for i := range ents {
		if len(vals[i]) == 0 {
			sums[i].Sections = append(sums[i].Sections, report.SummarySection{
				Name: spec.name, Source: spec.source, Status: report.StatusSkipped,
				Reason: firstNonEmpty(spec.skip, "the entity has no value to look for"),
			})
			continue
		}
		mine := map[string]bool{}
		for _, v := range vals[i] {
			mine[strings.ToLower(v)] = true
		}
		var rows []workspace.Record
		for _, r := range recs {
			if slices.ContainsFunc(spec.match, func(c string) bool { return mine[strings.ToLower(r.String(c))] }) {
				rows = append(rows, r)
			}
		}
		rows = spec.merge(rows)
		sums[i].Sections = append(sums[i].Sections, section(spec.name, spec.source, rows, n, err, spec.empty,
			func(sec *report.SummarySection) {
				sec.Table = table(rows, env.maxRows(), spec.cols...)
			}))
	}
}

// merge folds rows that show the same thing (equal in every shown column
// but the count, the times and the lists): an entity matched by several
// values may get one activity as several rows, such as a file's events
// with and without an MD5, or a mailbox's use by its owner and by a
// delegate. Counts add up, times widen, lists are unioned (and sorted, so
// that a merge reads the same whatever the rows' order); merged rows keep
// the place of their first part (the query orders by count).
func (spec pivotSpec) merge(rows []workspace.Record) []workspace.Record {
	var out []workspace.Record
	at := map[string]int{}
	for _, r := range rows {
		var key strings.Builder
		for _, c := range spec.cols {
			switch {
			case c.field == "Count", c.field == "FirstSeen", c.field == "LastSeen", slices.Contains(spec.lists, c.field):
			default:
				key.WriteString(cell(r, c.field) + "\x00")
			}
		}
		i, ok := at[key.String()]
		if !ok {
			at[key.String()] = len(out)
			out = append(out, maps.Clone(r))
			i = len(out) - 1
		} else {
			m := out[i]
			m["Count"] = m.Int("Count") + r.Int("Count")
			if t := r.Time("FirstSeen"); !t.IsZero() && (m.Time("FirstSeen").IsZero() || t.Before(m.Time("FirstSeen"))) {
				m["FirstSeen"] = t
			}
			if t := r.Time("LastSeen"); t.After(m.Time("LastSeen")) {
				m["LastSeen"] = t
			}
		}
		for _, c := range spec.lists {
			out[i][c] = unionList(cell(out[i], c), cell(r, c))
		}
	}
	return out
}

// unionList is the distinct items of comma-separated lists, sorted and
// joined with ", " (SQL bodies join with "," and KQL ones with ", ").
func unionList(lists ...string) string {
	var items []string
	for _, l := range lists {
		for it := range strings.SplitSeq(l, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
	}
	slices.Sort(items)
	return strings.Join(slices.Compact(items), ", ")
}

// cell is one value of a record as a table shows it (see text).
func cell(r workspace.Record, field string) string { return text(r[field]) }

// lower returns s lower-cased as a one-element list, or none when empty.
func lower(s string) []string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil
	}
	return []string{s}
}
