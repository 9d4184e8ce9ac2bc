// Package comment renders a report as the comment triage posts back to an
// incident: its Markdown, with a marker line that finds it again, shortened
// to fit the service's limit.
package comment

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/markdown"
	"github.com/triage-dev/triage/internal/triage"
)

// Marker is the first line of every comment Render writes. It is plain
// visible text, so it survives a service that renders or sanitises comments
// (an HTML comment would not), and it is how triage finds its own summary
// among an incident's comments (see IsSummary).
const Marker = "triage-summary: this comment is written by triage and replaced by its next run"

// IsSummary reports whether a comment's message is a summary Render
// wrote: it starts with Marker, after any leading white space and
// HTML tags a service may have wrapped it in. A comment that only quotes the
// marker further down is not one.
func IsSummary(message string) bool {
	s := strings.TrimSpace(message)
	for strings.HasPrefix(s, "<") {
		end := strings.IndexByte(s, '>')
		if end < 0 {
			break
		}
		s = strings.TrimSpace(s[end+1:])
	}
	return strings.HasPrefix(s, Marker)
}

// The longest a value is when a comment has to be shortened: names and other
// short values, and free text.
const (
	clipShort = 200
	clipLong  = 1000
)

// cutOrder lists the report's sections (by heading), the first cut first
// when a comment is too long. Sections not listed are cut before these; the
// part above the first section (title, incident table, description) is cut
// only when nothing else is left.
var cutOrder = []string{
	"Entity summaries",
	"Related alerts",
	"Problems",
	"Entities",
	"Threat intel",
	"How the triage went",
	"Alerts",
	"Verdict",
}

// Render writes r as an incident comment: Marker, a blank line and the
// Markdown report. It is never longer than limit characters (Unicode
// code points; limit < 1 means no limit). A report that fits is as markdown.Write
// writes it. One that does not is shortened in steps until it fits: values
// longer than a few hundred characters are clipped (before they are
// escaped, so no escape is broken), then sections lose whole lines from
// their end, or all of them, in cutOrder; a table that loses all its rows
// loses its header too, and each shortened section says how many lines it
// lost. A shortened comment ends with a paragraph saying what was cut and a
// last line "Full report: " + fullReport (for example "run `triage run 42
// --format md`"). Lines are never split, so no table row, link or code span
// is cut in the middle. Should even the title not fit (a limit of a few
// hundred characters), whole lines are dropped from the end; below the
// length of the marker, the marker alone is cut to limit.
func Render(r *report.Report, limit int, fullReport string) string {
	doc := Marker + "\n\n" + renderMarkdown(r)
	if limit < 1 || utf8.RuneCountInString(doc) <= limit {
		return doc
	}
	if utf8.RuneCountInString(Marker) >= limit {
		return string([]rune(Marker)[:limit])
	}

	clipped, n := clippedCopy(r)
	secs := splitSections(renderMarkdown(clipped))
	var notes []string // what was cut, for the footer
	if n > 0 {
		notes = append(notes, english.Plural(n, "long value", "long values")+" clipped")
	}
	order := secs.cutOrder()
	// While cutting sections, reserve room for the longest footer they can
	// need, and for the blank line before it.
	worst := slices.Clone(notes)
	for _, i := range order {
		worst = append(worst, secs[i].note(1))
	}
	budget := limit - runeLen(footer(limit, worst, fullReport)) - 2
	total := runeLen(Marker) + 2 + secs.size()
	for _, i := range order {
		if total <= budget {
			break
		}
		s := secs[i]
		before := s.size()
		// The most lines that fit, by binary search on the kept count.
		lo, hi := 0, len(s.lines)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			s.keep = mid
			if total-before+s.size() <= budget {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		s.keep = lo
		total += s.size() - before
	}
	if total <= budget {
		for _, i := range order {
			if secs[i].keep < len(secs[i].lines) {
				notes = append(notes, secs[i].note(secs[i].keep))
			}
		}
		return Marker + "\n\n" + strings.TrimRight(secs.String(), "\n") + "\n\n" + footer(limit, notes, fullReport)
	}

	// Every section is gone and the top is still too long: keep the marker
	// and the top's first lines that fit.
	notes = append(notes, restOfReport)
	f := footer(limit, notes, fullReport)
	out, size := Marker, runeLen(Marker)
	for _, l := range append([]string{""}, secs[0].lines...) {
		if size+1+runeLen(l)+2+runeLen(f) > limit {
			break
		}
		out += "\n" + l
		size += 1 + runeLen(l)
	}
	if size+2+runeLen(f) > limit {
		return Marker // not even the footer fits beside it
	}
	return strings.TrimRight(out, "\n") + "\n\n" + f
}

// restOfReport is the note for a comment cut down to its top lines.
const restOfReport = "everything after the first lines"

// footer says what was cut and where the full report is.
func footer(limit int, notes []string, fullReport string) string {
	s := fmt.Sprintf("Shortened to fit the comment limit of %d characters; cut: %s.", limit, strings.Join(notes, ", "))
	if fullReport != "" {
		s += "\n\nFull report: " + fullReport
	}
	return s
}

func renderMarkdown(r *report.Report) string {
	var b strings.Builder
	if err := markdown.Write(&b, r); err != nil {
		return "The report could not be rendered: " + markdown.Escape(err.Error()) + "\n"
	}
	return b.String()
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// section is a part of the rendered report: the top (heading "") or a
// "## " section with its heading line.
type section struct {
	heading string   // the heading's text, without "## "
	head    string   // the heading line
	lines   []string // the lines after the heading
	keep    int      // how many of lines to keep
}

// size is the length of String, in characters.
func (s *section) size() int {
	return runeLen(s.String())
}

// String renders the section with its first keep lines; a shortened
// section drops a trailing table header left without rows and says how
// many lines it lost.
func (s *section) String() string {
	var b strings.Builder
	if s.head != "" {
		b.WriteString(s.head)
		b.WriteByte('\n')
	}
	kept := s.lines[:s.keep]
	if s.keep < len(s.lines) {
		for len(kept) > 0 && strings.TrimSpace(kept[len(kept)-1]) == "" {
			kept = kept[:len(kept)-1]
		}
		if n := len(kept); n >= 2 && strings.HasPrefix(kept[n-1], "|---") && strings.HasPrefix(kept[n-2], "|") {
			kept = kept[:n-2]
		}
	}
	for _, l := range kept {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	switch {
	case s.keep == 0 && len(s.lines) > 0:
		fmt.Fprintf(&b, "\n(All %s cut: see the full report.)\n\n", lines(s.count(len(s.lines))))
	case s.keep < len(s.lines):
		// A blank line first, so the note is no table row.
		fmt.Fprintf(&b, "\n(%s more cut: see the full report.)\n\n", lines(s.count(len(s.lines))-s.count(s.keep)))
	}
	return b.String()
}

// count is the number of non-blank lines among the first k.
func (s *section) count(k int) int {
	n := 0
	for _, l := range s.lines[:k] {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

// note says what the section loses when it keeps its first keep lines.
func (s *section) note(keep int) string {
	all := s.count(len(s.lines))
	if keep == 0 {
		return fmt.Sprintf("%s (all, %s)", s.heading, lines(all))
	}
	return fmt.Sprintf("%s (%d of %s)", s.heading, all-s.count(keep), lines(all))
}

func lines(n int) string {
	if n == 1 {
		return "1 line"
	}
	return english.Plural(n, "line", "lines")
}

type sections []*section

// splitSections splits rendered Markdown at its "## " headings. Values
// never start a line (markdown.Escape folds line breaks and escapes '#'), so
// every such line is the template's.
func splitSections(md string) sections {
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	secs := sections{{}}
	for _, l := range lines {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			secs = append(secs, &section{heading: h, head: l})
			continue
		}
		cur := secs[len(secs)-1]
		cur.lines = append(cur.lines, l)
	}
	for _, s := range secs {
		s.keep = len(s.lines)
	}
	return secs
}

func (ss sections) String() string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.String())
	}
	return b.String()
}

func (ss sections) size() int {
	n := 0
	for _, s := range ss {
		n += s.size()
	}
	return n
}

// cutOrder returns the indexes of the sections to shorten, first first:
// sections cutOrder does not know, then those it lists, in its order. The
// top (index 0) is never among them.
func (ss sections) cutOrder() []int {
	rank := func(i int) int {
		if r := slices.Index(cutOrder, ss[i].heading); r >= 0 {
			return r + 1
		}
		return 0
	}
	var idx []int
	for i := 1; i < len(ss); i++ {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rank(a) - rank(b) })
	return idx
}

// clippedCopy returns a copy of r with the values the template prints cut
// to clipShort or clipLong characters, and how many it cut. It clips before
// anything is escaped, so no escape is cut in half.
func clippedCopy(r *report.Report) (*report.Report, int) {
	n := 0
	clip := func(s *string, max int) {
		if utf8.RuneCountInString(*s) > max {
			*s = string([]rune(*s)[:max-1]) + "…"
			n++
		}
	}
	clipAs := func(s string, max int) string { clip(&s, max); return s }
	c := *r
	inc := &c.Incident
	clip(&inc.Title, clipShort)
	clip(&inc.Description, clipLong)
	inc.Severity = triage.Severity(clipAs(string(inc.Severity), clipShort))
	inc.Status = triage.Status(clipAs(string(inc.Status), clipShort))
	inc.Classification = triage.Classification(clipAs(string(inc.Classification), clipShort))
	clip(&inc.Owner.AssignedTo, clipShort)
	clip(&inc.Owner.UPN, clipShort)
	clip(&inc.Owner.Email, clipShort)
	clip(&inc.Owner.ObjectID, clipShort)
	clip(&c.Workspace, clipShort)
	clip(&c.TI.Explanation, clipLong)
	clipResults := func(rs []intel.Result) []intel.Result {
		rs = slices.Clone(rs)
		for i := range rs {
			clip(&rs[i].Indicator, clipShort)
			clip(&rs[i].Summary, clipLong)
			clip(&rs[i].Reason, clipLong)
		}
		return rs
	}
	c.TI.Reasons = clipResults(r.TI.Reasons)
	c.TI.Results = clipResults(r.TI.Results)
	c.Alerts = slices.Clone(r.Alerts)
	for i := range c.Alerts {
		a := &c.Alerts[i]
		clip(&a.Name, clipShort)
		clip(&a.Product, clipShort)
		a.Severity = triage.Severity(clipAs(string(a.Severity), clipShort))
	}
	c.Entities = slices.Clone(r.Entities)
	for i := range c.Entities {
		e := &c.Entities[i]
		clip(&e.Name, clipShort)
		e.Kind = triage.Kind(clipAs(string(e.Kind), clipShort))
	}
	c.RelatedAlerts = slices.Clone(r.RelatedAlerts)
	for i := range c.RelatedAlerts {
		ra := &c.RelatedAlerts[i]
		clip(&ra.Name, clipShort)
		ra.Kind = triage.Kind(clipAs(string(ra.Kind), clipShort))
		ra.Alerts = slices.Clone(ra.Alerts)
		for j := range ra.Alerts {
			clip(&ra.Alerts[j].Name, clipShort)
			ra.Alerts[j].Severity = triage.Severity(clipAs(string(ra.Alerts[j].Severity), clipShort))
		}
	}
	c.Summaries = slices.Clone(r.Summaries)
	for i := range c.Summaries {
		s := &c.Summaries[i]
		clip(&s.Name, clipShort)
		s.Kind = triage.Kind(clipAs(string(s.Kind), clipShort))
		s.Facts = slices.Clone(s.Facts)
		for j := range s.Facts {
			clip(&s.Facts[j].Label, clipShort)
			clip(&s.Facts[j].Value, clipLong)
		}
	}
	c.Sections = slices.Clone(r.Sections)
	for i := range c.Sections {
		clip(&c.Sections[i].Reason, clipLong)
	}
	c.Problems = slices.Clone(r.Problems)
	for i := range c.Problems {
		clip(&c.Problems[i].Where, clipShort)
		clip(&c.Problems[i].What, clipLong)
	}
	return &c, n
}
