"""Goals, actions and resources under /api/v1."""

from app.core.resources import Resource, crud_router
from app.goals import models as m
from app.goals import schemas as s

TAG = "goals"

routers = [
    crud_router(Resource("/goals", m.Goal, s.GoalCreate, s.GoalUpdate, s.GoalRead, TAG,
                         filters=s.GoalFilters,
                         order_by=[m.Goal.service_agreement_id, m.Goal.code])),
    crud_router(Resource("/actions", m.Action, s.ActionCreate, s.ActionUpdate, s.ActionRead, TAG,
                         filters=s.GoalChildFilters, order_by=[m.Action.goal_id,
                                                                m.Action.position])),
    crud_router(Resource("/resources", m.Resource, s.ResourceCreate, s.ResourceUpdate,
                         s.ResourceRead, TAG, filters=s.GoalChildFilters,
                         order_by=[m.Resource.goal_id])),
]
