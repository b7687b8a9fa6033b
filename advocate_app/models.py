"""Imports every model so that Base.metadata is complete (for Alembic and for tests)."""

from advocate_app.accounts.models import RecoveryCode, Role, SetupCode, User, UserSession
from advocate_app.audit.models import AuditEvent
from advocate_app.consent.models import (
    BreakGlass,
    Consent,
    LeadJustification,
    PersonLink,
    SharingOverride,
)
from advocate_app.db import Base
from advocate_app.directory.models import (
    CapacityStatus,
    Organisation,
    OrganisationKind,
    ReferralStop,
    Service,
    ServiceLanguage,
    ServiceNeedDomain,
)
from advocate_app.evidence.models import EvaluationPlan, EvaluationPlanVersion
from advocate_app.offline.models import OfflineChange, OfflineVisit
from advocate_app.people.models import Assignment, Person, PersonStatus, SafeWindow
from advocate_app.plans.models import (
    CheckIn,
    Plan,
    PlanAgreement,
    PlanComment,
    PlanItem,
    PlanItemRevision,
    PlanLook,
    Review,
)
from advocate_app.referrals.models import Referral, ReferralEvent
from advocate_app.sms.models import InboundSms, SmsMessage, SmsNumber, SmsTask, StaffNumber
from advocate_app.team.models import ContactDefault, ContactRecord, NeedLead, NeedOrder, OverlapDecision
from advocate_app.team.review_models import PartnershipReview, Verdict

__all__ = [
    "Assignment",
    "EvaluationPlan",
    "EvaluationPlanVersion",
    "BreakGlass",
    "Consent",
    "LeadJustification",
    "OfflineChange",
    "OfflineVisit",
    "PersonLink",
    "RecoveryCode",
    "SharingOverride",
    "CheckIn",
    "Plan",
    "PlanAgreement",
    "PlanComment",
    "PlanItem",
    "PlanItemRevision",
    "PlanLook",
    "Referral",
    "ReferralEvent",
    "Review",
    "AuditEvent",
    "Base",
    "CapacityStatus",
    "Organisation",
    "OrganisationKind",
    "Person",
    "PersonStatus",
    "Role",
    "SafeWindow",
    "Service",
    "ServiceLanguage",
    "ServiceNeedDomain",
    "SetupCode",
    "User",
    "UserSession",
    "InboundSms",
    "SmsMessage",
    "SmsNumber",
    "SmsTask",
    "StaffNumber",
    "PartnershipReview",
    "ReferralStop",
    "Verdict",
    "ContactDefault",
    "ContactRecord",
    "NeedLead",
    "NeedOrder",
    "OverlapDecision",
]
