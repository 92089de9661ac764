"""The algorithm registry: model cards (``cards``), the review policy (``policy``) and board (``review``), the
lifecycle and serving gate (``lifecycle``), the public disclosure (``disclosure``) and the filing pack (``filing``).

Only a version approved under the policy and deployed is ever served (``lifecycle.servable``)."""
