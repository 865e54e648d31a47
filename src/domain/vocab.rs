//! Controlled vocabularies. Each is a closed enum: the wire and the API use the
//! snake_case names, and anything else is refused with the list of accepted values.
//! The API description lists the same names, derived from the same enums.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantNames};
use utoipa::ToSchema;

/// Defines a vocabulary enum with one spelling for serde, strum and SQL.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, EnumString, IntoStaticStr, VariantNames, ToSchema,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reads a stored value: a row field of this type is declared with
        /// `#[sqlx(try_from = "String")]`, and an unknown value fails the read.
        impl TryFrom<String> for $name {
            type Error = strum::ParseError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

vocabulary!(
    /// Staff roles, from least to most powerful.
    Role { Viewer, Member, Coordinator, Admin }
);

impl Role {
    /// Coordinators and admins release alerts and change who sees them.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Coordinator | Role::Admin)
    }
    pub fn can_draft(self) -> bool {
        !matches!(self, Role::Viewer)
    }
    /// Roles that can publish alerts or change trust must sign in with two factors.
    pub fn requires_two_factor(self) -> bool {
        self.can_publish()
    }
}

vocabulary!(
    /// What a version of an alert did, as its history records it.
    /// `consent_recorded`: the defender's consent was recorded anew
    /// (`PUT /alerts/{id}/consent`).
    HistoryAction {
        Created,
        Edited,
        ConsentRecorded,
        Submitted,
        ReturnedToDraft,
        Published,
        Closed,
        Withdrawn,
        ConsentWithdrawn,
    }
);

vocabulary!(
    /// Where one delivery of an activity to one inbox stands.
    DeliveryState { Pending, Delivered, Failed }
);

vocabulary!(
    /// Another node's answer to this node's request to federate (`none` until
    /// this node asks).
    TheirAnswer { None, Requested, Accepted, Rejected }
);

vocabulary!(
    /// An organisation's membership of a group: `pending` until the group's
    /// moderators decide (`accepted` or `rejected`); an accepted member may be
    /// `removed`, or leave (`left`).
    MemberState { Pending, Accepted, Rejected, Removed, Left }
);

vocabulary!(
    /// `draft → in_review → open → closed | withdrawn`.
    AlertStatus { Draft, InReview, Open, Closed, Withdrawn }
);

vocabulary!(
    /// Who may see an alert, from narrowest to widest.
    Audience { Node, Restricted, Trusted, Network, Public }
);

impl Audience {
    pub fn rank(self) -> u8 {
        match self {
            Audience::Node => 0,
            Audience::Restricted => 1,
            Audience::Trusted => 2,
            Audience::Network => 3,
            Audience::Public => 4,
        }
    }
}

vocabulary!(
    /// How far this node trusts another node, from least to most.
    Trust { Blocked, Pending, Connected, Trusted }
);

impl Trust {
    /// Connected and trusted peers may send us anything; others may only ask to federate.
    pub fn federates(self) -> bool {
        matches!(self, Trust::Connected | Trust::Trusted)
    }
    /// Whether a node at this level may receive or fetch an alert with `audience`.
    pub fn may_see(self, audience: Audience) -> bool {
        match audience {
            Audience::Public => true,
            Audience::Network => self.federates(),
            Audience::Trusted => self == Trust::Trusted,
            // Named organisations are checked one by one; their node must federate.
            Audience::Restricted => self.federates(),
            Audience::Node => false,
        }
    }
}

vocabulary!(
    /// CAP 1.2 urgency.
    Urgency { Immediate, Expected, Future, Past, Unknown }
);
vocabulary!(
    /// CAP 1.2 severity.
    Severity { Extreme, Severe, Moderate, Minor, Unknown }
);
vocabulary!(
    /// CAP 1.2 certainty.
    Certainty { Confirmed, Likely, Possible, Unlikely, Unknown }
);

vocabulary!(DefenderKind {
    Individual,
    Organisation,
    Community,
    Movement
});
vocabulary!(
    /// How the defender relates to the network.
    DefenderRelationship { Member, ClosePartner, Other }
);

vocabulary!(
    /// What the defender agreed their case may be used for.
    ConsentUse { PublicAppeal, PrivateAdvocacy, NamedAddresseesOnly, Anonymised }
);

impl ConsentUse {
    /// The widest audience this use allows; `anonymised` is a condition on
    /// how defenders appear, not an audience of its own.
    pub fn widest_audience(self) -> Option<Audience> {
        match self {
            ConsentUse::PublicAppeal => Some(Audience::Public),
            ConsentUse::PrivateAdvocacy => Some(Audience::Network),
            ConsentUse::NamedAddresseesOnly => Some(Audience::Restricted),
            ConsentUse::Anonymised => None,
        }
    }
}

vocabulary!(ViolationType {
    Killing,
    AttemptedKilling,
    DeathThreat,
    ThreatIntimidation,
    PhysicalAttack,
    SexualGenderBasedViolence,
    Abduction,
    EnforcedDisappearance,
    ArbitraryArrestDetention,
    TortureIllTreatment,
    JudicialHarassment,
    SmearCampaign,
    Surveillance,
    RaidSeizure,
    OnlineAttack,
    TravelBan,
    ForcedEvictionDisplacement,
    LandPropertyConfiscation,
    OfficeClosureDeregistration,
    ProtestRepression,
    DismissalAntiUnionReprisal,
    ReprisalAgainstFamily,
    Other,
});

vocabulary!(PerpetratorCategory {
    StateExecutive,
    Legislature,
    Judiciary,
    PoliceMilitary,
    Paramilitary,
    PrivateSecurity,
    Corporation,
    Landowner,
    InternationalFinancialInstitution,
    Mob,
    Unknown,
});

vocabulary!(
    /// How a perpetrator is linked to the attack.
    Involvement { CarriedOut, Ordered, Complicit, Suspected }
);

vocabulary!(BusinessSector {
    Mining,
    HydroRenewables,
    OilGasCoal,
    Agribusiness,
    Logging,
    Construction,
    Other
});

vocabulary!(Right {
    Land,
    Housing,
    Food,
    Water,
    Health,
    Environment,
    WorkUnions,
    Culture,
    NaturalResourcesSelfDetermination,
    Expression,
    AssemblyAssociation,
});

vocabulary!(
    /// What members are asked to do.
    RequestedActionKind { Letter, Statement, Call, SocialMedia, Visit, TrialObservation, Other }
);

vocabulary!(AddresseeKind {
    Government,
    Company,
    Investor,
    UnMechanism,
    RegionalMechanism,
    Embassy,
    Other
});

vocabulary!(
    /// How an alert ended.
    Outcome { DefenderSafe, Released, ChargesDropped, ThreatContinues, Killed, Disappeared, Other }
);

vocabulary!(
    /// How a member organisation answers an alert.
    ActionKind { Cosign, Statement, LetterSent, Pledge, SupportOffer, Report }
);

impl ActionKind {
    /// Cosigning and statements speak publicly in the organisation's name.
    pub fn speaks_for_the_organisation(self) -> bool {
        matches!(self, ActionKind::Cosign | ActionKind::Statement)
    }
}

vocabulary!(
    /// What an organisation offers to the defenders.
    SupportType {
        Legal,
        Relocation,
        GrantFunds,
        MedicalPsychosocial,
        DigitalSecurity,
        Accompaniment,
        TrialObservation,
        CommunitySelfProtection,
    }
);

vocabulary!(
    /// What came of an action, as reported.
    ReportOutcome { Favourable, Commitment, Denied, NoResponse, Other }
);

vocabulary!(
    /// Groups share alerts by region or by theme.
    GroupKind { Regional, Working }
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn names_are_the_same_in_serde_and_strum() {
        for name in ViolationType::VARIANTS {
            let parsed = ViolationType::from_str(name).unwrap();
            let json = serde_json::to_value(parsed).unwrap();
            assert_eq!(json, serde_json::Value::String(name.to_string()));
        }
    }

    #[test]
    fn audience_ranks_are_strictly_ordered() {
        let ranks: Vec<u8> = Audience::VARIANTS
            .iter()
            .map(|n| Audience::from_str(n).unwrap().rank())
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
    }
}
