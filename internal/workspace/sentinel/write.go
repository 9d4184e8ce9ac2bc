package sentinel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
	"github.com/google/uuid"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func (w *Workspace) needAPI(what string) error {
	if w.incidents == nil {
		return fmt.Errorf("sentinel workspace %s: %s needs the incidents API: set subscription_id, resource_group and workspace_name", w.cfg.Name, what)
	}
	return nil
}

// Comments lists the incident's comments, every page, oldest first.
func (w *Workspace) Comments(ctx context.Context, inc triage.Incident) ([]workspace.Comment, error) {
	if err := w.needAPI("reading comments"); err != nil {
		return nil, err
	}
	var out []workspace.Comment
	pager := w.comments.NewListPager(w.cfg.ResourceGroup, w.cfg.WorkspaceName, inc.Name, nil)
	for page := 1; pager.More(); page++ {
		resp, err := pager.NextPage(ctx)
		if err != nil {
			return nil, w.classify(err, fmt.Sprintf("comments of incident %s, page %d", label(inc), page))
		}
		for _, c := range resp.Value {
			if c != nil {
				out = append(out, fromARMComment(c))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b workspace.Comment) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// PostComment adds a comment (a new GUID) or replaces comment id.
func (w *Workspace) PostComment(ctx context.Context, inc triage.Incident, id, message string) (workspace.Comment, error) {
	if err := w.needAPI("commenting"); err != nil {
		return workspace.Comment{}, err
	}
	if n := utf8.RuneCountInString(message); n > workspace.MaxCommentLength {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: %d characters, more than the %d Sentinel accepts", label(inc), n, workspace.MaxCommentLength)
	}
	if message == "" {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: empty message", label(inc))
	}
	if id == "" {
		id = uuid.NewString()
	}
	resp, err := w.comments.CreateOrUpdate(ctx, w.cfg.ResourceGroup, w.cfg.WorkspaceName, inc.Name, id,
		si.IncidentComment{Properties: &si.IncidentCommentProperties{Message: &message}}, nil)
	if err != nil {
		return workspace.Comment{}, w.classify(err, "comment on incident "+label(inc))
	}
	c := fromARMComment(&resp.IncidentComment)
	if c.ID == "" {
		c.ID = id
	}
	if c.Message == "" {
		c.Message = message
	}
	return c, nil
}

func fromARMComment(c *si.IncidentComment) workspace.Comment {
	out := workspace.Comment{ID: deref(c.Name)}
	if p := c.Properties; p != nil {
		out.Message = deref(p.Message)
		out.Created = derefTime(p.CreatedTimeUTC)
		out.Modified = derefTime(p.LastModifiedTimeUTC)
		if a := p.Author; a != nil {
			out.Author = firstOf(deref(a.Name), deref(a.UserPrincipalName), deref(a.Email), deref(a.ObjectID))
		}
	}
	return out
}

// Update reads the incident, checks that its etag is still inc.ETag (or,
// when the service gives no etags, that its fields are as read), applies
// ch to the whole incident and writes it back carrying that etag (in the
// body and as If-Match), so that a change made by someone else in between
// makes the service refuse the write. Either way a changed incident is a
// *workspace.ConflictError listing what changed, and nothing is written.
func (w *Workspace) Update(ctx context.Context, inc triage.Incident, ch workspace.Change) (triage.Incident, error) {
	if err := w.needAPI("updating incidents"); err != nil {
		return triage.Incident{}, err
	}
	if err := ch.Validate(inc); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label(inc), err)
	}
	cur, model, err := w.get(ctx, inc.Name)
	if err != nil {
		return triage.Incident{}, err
	}
	// Without etags (a service that sends none), the fields are compared.
	if cur.ETag != inc.ETag || inc.ETag == "" && len(workspace.Diff(inc, cur)) > 0 {
		return triage.Incident{}, &workspace.ConflictError{Incident: label(inc), Current: cur, Changed: workspace.Diff(inc, cur)}
	}
	if err := ch.Validate(cur); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", label(inc), err)
	}
	body := si.Incident{Etag: model.Etag, Properties: applyARM(*model.Properties, ch)}
	wctx := ctx
	if inc.ETag != "" {
		wctx = policy.WithHTTPHeader(ctx, http.Header{"If-Match": []string{inc.ETag}})
	}
	resp, err := w.incidents.CreateOrUpdate(wctx, w.cfg.ResourceGroup, w.cfg.WorkspaceName, inc.Name, body, nil)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusConflict || re.StatusCode == http.StatusPreconditionFailed) {
			now, _, gerr := w.get(ctx, inc.Name)
			if gerr != nil {
				now = cur
			}
			return triage.Incident{}, &workspace.ConflictError{Incident: label(inc), Current: now, Changed: workspace.Diff(inc, now)}
		}
		return triage.Incident{}, w.classify(err, "update incident "+label(inc))
	}
	out, err := fromARM(&resp.Incident)
	if err != nil {
		// The write went through; report what we know.
		return ch.Apply(cur), nil
	}
	return out, nil
}

// applyARM returns the writable properties of p with ch applied; read-only
// properties are left out of the body.
func applyARM(p si.IncidentProperties, ch workspace.Change) *si.IncidentProperties {
	out := &si.IncidentProperties{
		Title: p.Title, Severity: p.Severity, Status: p.Status, Description: p.Description,
		Classification: p.Classification, ClassificationReason: p.ClassificationReason,
		ClassificationComment: p.ClassificationComment, FirstActivityTimeUTC: p.FirstActivityTimeUTC,
		LastActivityTimeUTC: p.LastActivityTimeUTC, Labels: p.Labels, Owner: p.Owner, TeamInformation: p.TeamInformation,
	}
	if ch.Status != nil {
		out.Status = ptr(si.IncidentStatus(*ch.Status))
	}
	if ch.Severity != nil {
		out.Severity = ptr(si.IncidentSeverity(*ch.Severity))
	}
	if ch.Owner != nil {
		o := *ch.Owner
		if o == (triage.Owner{}) {
			out.Owner = &si.IncidentOwnerInfo{}
		} else {
			out.Owner = &si.IncidentOwnerInfo{
				ObjectID: nonEmpty(o.ObjectID), Email: nonEmpty(o.Email),
				AssignedTo: nonEmpty(o.AssignedTo), UserPrincipalName: nonEmpty(o.UPN),
			}
		}
	}
	if ch.Labels != nil {
		old := map[string]*si.IncidentLabel{}
		for _, l := range p.Labels {
			if l != nil && l.LabelName != nil {
				old[*l.LabelName] = l
			}
		}
		out.Labels = []*si.IncidentLabel{}
		for _, name := range *ch.Labels {
			if l, ok := old[name]; ok {
				out.Labels = append(out.Labels, l)
				continue
			}
			out.Labels = append(out.Labels, &si.IncidentLabel{LabelName: ptr(name), LabelType: ptr(si.IncidentLabelTypeUser)})
		}
	}
	if ch.Classification != nil {
		out.Classification = ptr(si.IncidentClassification(*ch.Classification))
	}
	if ch.ClassificationReason != nil {
		out.ClassificationReason = ptr(si.IncidentClassificationReason(*ch.ClassificationReason))
	}
	if ch.ClassificationComment != nil {
		out.ClassificationComment = ptr(*ch.ClassificationComment)
	}
	if out.Status != nil && *out.Status != si.IncidentStatusClosed {
		out.Classification, out.ClassificationReason, out.ClassificationComment = nil, nil, nil
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
