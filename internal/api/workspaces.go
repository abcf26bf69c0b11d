package api

import (
	"context"
	"net/http"

	"github.com/bistro-dev/bistro/internal/store"
	"github.com/danielgtaylor/huma/v2"
)

// NewWorkspace is a workspace to create.
type NewWorkspace struct {
	ID   string `json:"id" minLength:"1" maxLength:"40" example:"hr" doc:"Lower-case letters, digits and dashes, starting with a letter"`
	Name string `json:"name,omitempty" maxLength:"200" example:"Human resources"`
}

// MemberRequest gives a person a role in a workspace.
type MemberRequest struct {
	Email string `json:"email" minLength:"3" maxLength:"320"`
	Role  string `json:"role" enum:"viewer,operator,builder,owner"`
}

// WorkspaceList is the workspaces the caller may use.
type WorkspaceList struct {
	Workspaces []WorkspaceAccess `json:"workspaces"`
}

// MemberList is a workspace's members.
type MemberList struct {
	Members []Member `json:"members"`
}

type workspacePath struct {
	Workspace string `path:"workspace" maxLength:"40"`
}

func (s *server) registerWorkspaces(api huma.API) {
	tags := []string{"Workspaces"}
	huma.Register(api, secured(huma.Operation{OperationID: "list-workspaces", Method: http.MethodGet, Path: "/api/v1/workspaces", Tags: tags,
		Summary: "List the workspaces you may use, with your role in each"}), s.listWorkspaces)
	huma.Register(api, secured(huma.Operation{OperationID: "create-workspace", Method: http.MethodPost, Path: "/api/v1/workspaces", Tags: tags,
		Summary: "Create a workspace", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}), s.createWorkspace)
	huma.Register(api, secured(huma.Operation{OperationID: "list-members", Method: http.MethodGet, Path: "/api/v1/workspaces/{workspace}/members", Tags: tags,
		Summary: "List a workspace's members", Errors: []int{http.StatusNotFound}}), s.listMembers)
	huma.Register(api, secured(huma.Operation{OperationID: "set-member", Method: http.MethodPut, Path: "/api/v1/workspaces/{workspace}/members", Tags: tags,
		Summary: "Give a person a role in the workspace (or change it)", Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}), s.setMember)
	huma.Register(api, secured(huma.Operation{OperationID: "remove-member", Method: http.MethodDelete, Path: "/api/v1/workspaces/{workspace}/members/{user_id}", Tags: tags,
		Summary: "Take a person out of the workspace", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}), s.removeMember)
}

func (s *server) listWorkspaces(ctx context.Context, _ *struct{}) (*struct{ Body WorkspaceList }, error) {
	ws, err := s.auth.Workspaces(ctx, caller(ctx).Principal)
	if err != nil {
		return nil, s.internal(ctx, err)
	}
	out := WorkspaceList{Workspaces: make([]WorkspaceAccess, 0, len(ws))}
	for _, w := range ws {
		out.Workspaces = append(out.Workspaces, WorkspaceAccess{ID: w.Workspace.ID, Name: w.Workspace.Name, Role: w.Role})
	}
	return &struct{ Body WorkspaceList }{out}, nil
}

func (s *server) createWorkspace(ctx context.Context, in *struct{ Body NewWorkspace }) (*struct{ Body Workspace }, error) {
	w, err := s.auth.CreateWorkspace(ctx, in.Body.ID, in.Body.Name)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body Workspace }{Workspace{ID: w.ID, Name: w.Name, CreatedAt: w.CreatedAt.UTC()}}, nil
}

func memberOut(m store.Member) Member {
	return Member{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, Source: m.Source}
}

func (s *server) listMembers(ctx context.Context, in *workspacePath) (*struct{ Body MemberList }, error) {
	ms, err := s.auth.ListMembers(ctx, in.Workspace)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	out := MemberList{Members: make([]Member, 0, len(ms))}
	for _, m := range ms {
		out.Members = append(out.Members, memberOut(m))
	}
	return &struct{ Body MemberList }{out}, nil
}

func (s *server) setMember(ctx context.Context, in *struct {
	Workspace string `path:"workspace" maxLength:"40"`
	Body      MemberRequest
}) (*struct{ Body Member }, error) {
	u, err := s.auth.FindUser(ctx, in.Body.Email)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	m, err := s.auth.SetMember(ctx, in.Workspace, u.ID, in.Body.Role)
	if err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return &struct{ Body Member }{memberOut(m)}, nil
}

func (s *server) removeMember(ctx context.Context, in *struct {
	Workspace string `path:"workspace" maxLength:"40"`
	UserID    string `path:"user_id" maxLength:"100"`
}) (*struct{}, error) {
	if err := s.auth.RemoveMember(ctx, in.Workspace, in.UserID); err != nil {
		return nil, s.authProblem(ctx, err)
	}
	return nil, nil
}
