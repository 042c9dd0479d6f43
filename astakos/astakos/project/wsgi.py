from snf_common.django.wsgi import application_for

application = application_for("astakos.project.settings")
