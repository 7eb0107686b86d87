"""The background task of email: deliver what an action queued (Django's tasks framework)."""

from django.tasks import task

from clientdesk.mail import delivery


@task()
def deliver_outbox(email_ids: list[int]) -> int:
    """Send these emails if still due (and then any other due ones); how many went out.

    Takes only row ids: a task message never carries an address, a body or anything secret.
    """
    return delivery.deliver(email_ids).sent
