//! Carrying out a plan.
