"""The topology on AWS: ``orderflow export cloudformation|terraform``.

- ``build.deployment(spec)``: what a topology becomes there (``model``): its buses,
  queues, rules and targets, and around them target dead-letter queues, queue policies
  and Lambda permissions scoped to one rule each, a role per target or function that
  names only its own resources, archives, alarms and their SNS topic;
- ``cloudformation.template_text``: one template; ``terraform.module_files``: a
  reusable module with a staging and a prod environment calling it.
"""
