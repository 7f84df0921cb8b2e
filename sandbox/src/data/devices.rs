//! Seeded contact methods beyond email, phone and SMS: push notifications (the mobile app)
//! and WhatsApp, which PagerDuty has (spec `PushContactMethod`, `WhatsAppContactMethod`;
//! reference §9) and which count toward a user's ten contact methods. The sign-ins people and
//! tests use (the admin, the responder and the role accounts) keep theirs as they were.

use super::seed::{ADMIN_EMAIL, RESPONDER_EMAIL, ROLE_EMAILS};
use super::types::ContactMethod;
use super::{pd_id, Dataset};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::HashSet;

/// Push contact methods are labelled by device; the label says which (`device_type`).
pub const PUSH_LABELS: &[&str] = &["iPhone", "Pixel 8", "iPad", "Galaxy S24"];

/// The `device_type` of a push contact method labelled `label`.
pub fn device_type(label: &str) -> &'static str {
    if label.starts_with("iP") {
        "ios"
    } else {
        "android"
    }
}

impl Dataset {
    /// Gives every sixth user a push contact method and every ninth a WhatsApp one (on their
    /// phone number when they have one), drawing from `rng` after everything else is seeded.
    pub(super) fn seed_devices(&mut self, rng: &mut StdRng, seen: &mut HashSet<String>) {
        for (k, u) in self.users.iter_mut().enumerate() {
            let known = u.email == ADMIN_EMAIL
                || u.email == RESPONDER_EMAIL
                || ROLE_EMAILS.iter().any(|(_, e)| *e == u.email);
            if known {
                continue;
            }
            if k % 6 == 1 {
                let label = PUSH_LABELS[rng.gen_range(0..PUSH_LABELS.len())];
                let token: String = (0..32)
                    .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
                    .collect();
                u.contact_methods.push(ContactMethod {
                    id: pd_id(rng, seen),
                    kind: "push_notification_contact_method",
                    label: label.to_string(),
                    address: token,
                    country_code: None,
                    enabled: true,
                    blacklisted: false,
                    send_short_email: false,
                });
            }
            if k % 9 == 4 {
                let phone = u
                    .contact_methods
                    .iter()
                    .find(|c| c.kind == "phone_contact_method")
                    .map(|c| (c.address.clone(), c.country_code));
                let (address, country_code) = phone.unwrap_or_else(|| {
                    (format!("7700{:06}", rng.gen_range(0..1_000_000)), Some(44))
                });
                u.contact_methods.push(ContactMethod {
                    id: pd_id(rng, seen),
                    kind: "whatsapp_contact_method",
                    label: "WhatsApp".into(),
                    address,
                    country_code,
                    enabled: true,
                    blacklisted: false,
                    send_short_email: false,
                });
            }
        }
    }
}
