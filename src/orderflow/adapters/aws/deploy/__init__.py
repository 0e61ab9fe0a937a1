"""The topology on AWS: ``orderflow export cloudformation|terraform`` and ``orderflow
package lambda``.

- ``build.deployment(spec, consumers)``: what a topology becomes there (``model``,
  its values in ``values``): its buses, queues, rules and targets, and around them a
  dead-letter queue per target, queue policies and Lambda permissions scoped to one
  rule each, a role per bus target (and, with ``lambdas``, per consumer function) that
  names only its own resources, archives, alarms and their SNS topic;
- ``cloudformation.template_text``: one template; ``terraform.module_files``: a
  reusable module and the staging and prod environments calling it (``hcl`` writes
  the syntax, ``terraform_values`` and ``terraform_resources`` the content);
- ``bundle.build_bundle``: the functions' deployment zip;
- ``writing``: the files, or an ``ExportError`` naming the one that cannot be written.
"""
