"""The approval dialog: approve or reject a promotion with the approver's own key."""
